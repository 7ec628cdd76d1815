package ctl

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"

	"sipslb/cli/commands"
)

// DefaultGroup is the group whose members may use the control socket
// read-only. It need not exist: then only root may connect.
const DefaultGroup = "sipslb"

// SocketMode is the control socket's file mode: owner root and the group
// may connect (connecting to a unix socket needs write permission).
const SocketMode = 0o660

// Listen creates the control socket at path (replacing a stale one) with
// SocketMode, owned by root and by group (DefaultGroup when empty) if that
// group exists. The mode keeps other local users from even connecting;
// the server also checks every peer's credentials (peer), so the socket is
// safe whatever its mode ends up being.
func Listen(path, group string) (*net.UnixListener, error) {
	os.Remove(path)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, SocketMode); err != nil {
		ln.Close()
		return nil, err
	}
	if g, err := user.LookupGroup(orDefault(group)); err == nil {
		gid, _ := strconv.Atoi(g.Gid)
		if err := os.Chown(path, -1, gid); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return ln, nil
}

func orDefault(group string) string {
	if group == "" {
		return DefaultGroup
	}
	return group
}

// peer identifies a local caller by its credentials (SO_PEERCRED): root
// gets privilege 0, a member of the group privilege 5 (read-only, enable
// raises it), anyone else is refused.
func (s *Server) peer(c *net.UnixConn) (Identity, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return Identity{}, err
	}
	var cred *unix.Ucred
	var cerr error
	raw.Control(func(fd uintptr) { cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) })
	if cerr != nil {
		return Identity{}, fmt.Errorf("no peer credentials: %w", cerr)
	}
	return s.identify(cred)
}

// identify decides who the peer with credentials cred is, or refuses it.
func (s *Server) identify(cred *unix.Ucred) (Identity, error) {
	uid := strconv.Itoa(int(cred.Uid))
	name, member := uid, false
	group := orDefault(s.Group)
	g, gerr := user.LookupGroup(group)
	if u, err := user.LookupId(uid); err == nil {
		name = u.Username
		if gerr == nil {
			ids, _ := u.GroupIds()
			member = slices.Contains(ids, g.Gid)
		}
	}
	if gerr == nil && strconv.Itoa(int(cred.Gid)) == g.Gid {
		member = true
	}
	id := Identity{User: name, Priv: commands.PrivReadOnly, From: fmt.Sprintf("local uid %d pid %d", cred.Uid, cred.Pid)}
	switch {
	case cred.Uid == 0:
		id.Priv = commands.PrivSuper
	case !member:
		return Identity{}, fmt.Errorf("access denied: uid %d (%s) is neither root nor in group %s", cred.Uid, name, group)
	}
	return id, nil
}
