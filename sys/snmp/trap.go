package snmp

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gosnmp/gosnmp"
)

// TrapKind is a notification the agent can send.
type TrapKind uint8

// Notifications, served as the ServerIron snTrapL4* notifications so
// ServerIron NMS templates recognise them.
const (
	TrapRealServerUp TrapKind = iota + 1
	TrapRealServerDown
	TrapRealServerPortUp
	TrapRealServerPortDown
)

// TrapEvent describes one notification. Port is used by the port kinds.
type TrapEvent struct {
	Kind TrapKind
	Real string
	Addr netip.Addr
	Port uint16
}

var (
	oidSnTraps      = OID{1, 3, 6, 1, 4, 1, 1991, 0}
	oidSnL4TrapIP   = oidSnL4.Append(13, 1, 0)
	oidSnL4TrapName = oidSnL4.Append(13, 2, 0)
	oidSnL4TrapPort = oidSnL4.Append(13, 3, 0)
)

func (k TrapKind) oid() (OID, bool) {
	switch k {
	case TrapRealServerUp:
		return oidSnTraps.Append(21), true
	case TrapRealServerDown:
		return oidSnTraps.Append(22), true
	case TrapRealServerPortUp:
		return oidSnTraps.Append(23), true
	case TrapRealServerPortDown:
		return oidSnTraps.Append(24), true
	}
	return nil, false
}

// ErrNotServing is returned by Notify while the agent has no socket.
var ErrNotServing = errors.New("snmp agent not serving")

// Notify sends ev to every configured trap host (when traps are enabled).
// It returns the joined send errors; a host that fails does not stop the
// others. The varbinds are sysUpTime.0, snmpTrapOID.0, then the server's
// IP (0.0.0.0 for IPv6 servers, which the ServerIron object cannot carry),
// name and, for port notifications, port.
func (a *Agent) Notify(ev TrapEvent) error {
	st := a.st.Load()
	if !st.cfg.TrapsEnabled || len(st.cfg.TrapHosts) == 0 {
		return nil
	}
	trapOID, ok := ev.Kind.oid()
	if !ok {
		return fmt.Errorf("snmp notify: unknown kind %d", ev.Kind)
	}
	a.mu.Lock()
	conn := a.conn
	a.mu.Unlock()
	if conn == nil {
		return ErrNotServing
	}
	ip, _ := ip4(ev.Addr)
	vbs := []gosnmp.SnmpPDU{
		{Name: oidSysUpTime0.String(), Type: gosnmp.TimeTicks, Value: a.upTime()},
		{Name: oidSnmpTrap.Append(0).String(), Type: gosnmp.ObjectIdentifier, Value: trapOID.String()},
		{Name: oidSnL4TrapIP.String(), Type: gosnmp.IPAddress, Value: ip[:]},
		{Name: oidSnL4TrapName.String(), Type: gosnmp.OctetString, Value: ev.Real},
	}
	if ev.Kind == TrapRealServerPortUp || ev.Kind == TrapRealServerPortDown {
		vbs = append(vbs, gosnmp.SnmpPDU{Name: oidSnL4TrapPort.String(), Type: gosnmp.Integer, Value: int(ev.Port)})
	}
	var errs []error
	for _, h := range st.cfg.TrapHosts {
		out, err := a.encodeTrap(st, h, vbs)
		if err == nil {
			_, err = conn.WriteToUDPAddrPort(out, h.Addr)
		}
		if err != nil {
			a.stats.SendErrors.Add(1)
			errs = append(errs, fmt.Errorf("snmp trap to %v: %w", h.Addr, err))
			continue
		}
		a.stats.OutTraps.Add(1)
		a.stats.OutPkts.Add(1)
	}
	return errors.Join(errs...)
}

func (a *Agent) encodeTrap(st *state, h TrapHost, vbs []gosnmp.SnmpPDU) ([]byte, error) {
	id := a.reqID.Add(1) & 0x7fffffff
	switch h.Version {
	case TrapV2c:
		p := &gosnmp.SnmpPacket{
			Version:   gosnmp.Version2c,
			Community: h.Community,
			PDUType:   gosnmp.SNMPv2Trap,
			RequestID: id,
			Variables: vbs,
		}
		return p.MarshalMsg()
	case TrapV3:
		u := st.users[h.User]
		if u == nil {
			return nil, fmt.Errorf("trap user %q not configured", h.User)
		}
		p := a.v3Packet(nil, u, u.level)
		p.MsgID = id
		p.ContextEngineID = string(a.engineID)
		p.PDUType = gosnmp.SNMPv2Trap
		p.RequestID = id
		p.Variables = vbs
		return p.MarshalMsg()
	}
	return nil, fmt.Errorf("trap version %d", h.Version)
}
