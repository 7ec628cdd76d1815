#!/usr/bin/env python3
"""bench/capture.py: time inside the balancer, from a loopback capture.

    capture.py FILE.pcap VIP_IP [PORT]

Reads a pcap (tcpdump -w on lo, microsecond or nanosecond timestamps),
takes every UDP datagram to VIP_IP:PORT ("in") and from it ("out"), and
matches each datagram that came in with the one the balancer sent for it:
the same SIP message, told by its first word (method, or status code),
Call-ID and CSeq. The i-th in of a message pairs with its i-th out, so a
retransmission pairs with the retransmitted copy; an out sent before its
in, or with no in (the balancer's own health probes), pairs with nothing.
The difference of the capture timestamps is the time the datagram spent in
the balancer, socket queues and wake-up included: tcpdump on lo stamps a
datagram when the sender's kernel hands it to lo, so "in" is the caller's
(or server's) send and "out" the balancer's send.

Prints KEY=VALUE lines (microseconds): CAP_IN, CAP_OUT, CAP_MATCHED,
CAP_P50_US, CAP_P99_US, CAP_P999_US, CAP_MAX_US. Standard library only.
"""
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = hdr[:4]
        for endian, nano in (("<", False), (">", False), ("<", True), (">", True)):
            want = 0xA1B23C4D if nano else 0xA1B2C3D4
            if struct.unpack(endian + "I", magic)[0] == want:
                break
        else:
            raise SystemExit("capture.py: %s is not a pcap file" % path)
        link = struct.unpack(endian + "I", hdr[20:24])[0]
        scale = 1 if nano else 1000
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(incl)
            yield (sec * 1_000_000_000 + frac * scale), link, data


def ip_payload(link, data):
    if link == 1:  # Ethernet (lo shows a zero Ethernet header)
        if len(data) < 14 or data[12:14] != b"\x08\x00":
            return None
        return data[14:]
    if link == 113:  # Linux cooked (-i any)
        return data[16:] if data[14:16] == b"\x08\x00" else None
    if link in (101, 12):  # raw IP
        return data
    return None


def sip_key(payload):
    head = payload.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    first = lines[0].split(b" ")
    word = first[1] if first[0].startswith(b"SIP/2.0") and len(first) > 1 else first[0]
    callid = cseq = b""
    for ln in lines[1:]:
        name, _, value = ln.partition(b":")
        n = name.strip().lower()
        if n in (b"call-id", b"i"):
            callid = value.strip()
        elif n == b"cseq":
            cseq = value.strip()
    return (word, callid, cseq) if callid else None


def quantile(sorted_vals, q):
    if not sorted_vals:
        return 0
    i = max(0, min(len(sorted_vals) - 1, -(-int(q * len(sorted_vals) * 1000000) // 1000000) - 1))
    return sorted_vals[i]


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    path, vip = sys.argv[1], bytes(int(x) for x in sys.argv[2].split("."))
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 5060
    ins, outs = {}, {}
    n_in = n_out = 0
    for ts, link, data in packets(path):
        ip = ip_payload(link, data)
        if not ip or len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        if struct.unpack(">H", ip[6:8])[0] & 0x3FFF:
            continue  # a fragment: SIP over UDP here stays below the MTU
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        if len(udp) < 8:
            continue
        sport, dport = struct.unpack(">HH", udp[:4])
        src, dst = ip[12:16], ip[16:20]
        if dst == vip and dport == port:
            table = ins
            n_in += 1
        elif src == vip and sport == port:
            table = outs
            n_out += 1
        else:
            continue
        k = sip_key(udp[8:])
        if k:
            table.setdefault(k, []).append(ts)
    lat = []
    for k, tin in ins.items():
        tout = outs.get(k, [])
        j = 0
        for t in tin:
            while j < len(tout) and tout[j] < t:
                j += 1  # sent before this copy came in: not its forward
            if j == len(tout):
                break
            lat.append(tout[j] - t)
            j += 1
    lat.sort()
    us = lambda ns: "%.1f" % (ns / 1000.0)
    print("CAP_IN=%d" % n_in)
    print("CAP_OUT=%d" % n_out)
    print("CAP_MATCHED=%d" % len(lat))
    print("CAP_P50_US=" + us(quantile(lat, 0.5)))
    print("CAP_P99_US=" + us(quantile(lat, 0.99)))
    print("CAP_P999_US=" + us(quantile(lat, 0.999)))
    print("CAP_MAX_US=" + us(lat[-1] if lat else 0))


if __name__ == "__main__":
    main()
