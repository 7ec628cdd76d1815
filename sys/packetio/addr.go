package packetio

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"syscall"

	"golang.org/x/sys/unix"
)

// AddAddr brings the interface up and puts p on it (replacing the same
// address with another prefix length). The appliance's own address on the
// data interface is what the kernel answers ARP for and what DSR health
// probes come from.
func AddAddr(ifname string, p netip.Prefix) error {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return fmt.Errorf("data interface %s: %w", ifname, err)
	}
	link := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(link[4:], uint32(ifi.Index))
	binary.NativeEndian.PutUint32(link[8:], unix.IFF_UP)
	binary.NativeEndian.PutUint32(link[12:], unix.IFF_UP)
	if err := request(unix.RTM_NEWLINK, 0, link); err != nil {
		return fmt.Errorf("set %s up: %w", ifname, err)
	}
	if err := request(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, addrMsg(ifi.Index, p)); err != nil {
		return fmt.Errorf("address %v on %s: %w", p, ifname, err)
	}
	return nil
}

// DelAddr removes p from the interface; an address that is not there is
// not an error.
func DelAddr(ifname string, p netip.Prefix) error {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return fmt.Errorf("data interface %s: %w", ifname, err)
	}
	err = request(unix.RTM_DELADDR, 0, addrMsg(ifi.Index, p))
	if err == unix.EADDRNOTAVAIL {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove %v from %s: %w", p, ifname, err)
	}
	return nil
}

func addrMsg(index int, p netip.Prefix) []byte {
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0] = unix.AF_INET
	b[1] = byte(p.Bits())
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	a := p.Addr().As4()
	for _, typ := range []uint16{unix.IFA_LOCAL, unix.IFA_ADDRESS} {
		attr := make([]byte, 8)
		binary.NativeEndian.PutUint16(attr[0:], 8)
		binary.NativeEndian.PutUint16(attr[2:], typ)
		copy(attr[4:], a[:])
		b = append(b, attr...)
	}
	return b
}

// request sends one rtnetlink request and waits for its acknowledgement.
func request(typ uint16, flags uint16, body []byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	msg := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(body))
	msg = append(msg, body...)
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:], typ)
	binary.NativeEndian.PutUint16(msg[6:], flags|unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	binary.NativeEndian.PutUint32(msg[8:], 1)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 8192)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Header.Type != unix.NLMSG_ERROR || m.Header.Seq != 1 || len(m.Data) < 4 {
				continue
			}
			if code := int32(binary.NativeEndian.Uint32(m.Data)); code != 0 {
				return unix.Errno(-code)
			}
			return nil
		}
	}
}
