package ctl

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"sipslb/cli/commands"
)

var osStat = os.Stat

// TestIdentify: root gets privilege 0, a member of the group (primary or
// supplementary) privilege 5, anyone else is refused with a reason. (Any
// local uid used to get privilege 5.)
func TestIdentify(t *testing.T) {
	s := &Server{Group: "nogroup"} // gid 65534 on Debian
	id, err := s.identify(&unix.Ucred{Uid: 0, Gid: 0, Pid: 1})
	if err != nil || id.Priv != commands.PrivSuper || id.User != "root" {
		t.Fatalf("root: %+v %v", id, err)
	}
	id, err = s.identify(&unix.Ucred{Uid: 65534, Gid: 65534, Pid: 2})
	if err != nil || id.Priv != commands.PrivReadOnly {
		t.Fatalf("group member: %+v %v", id, err)
	}
	_, err = s.identify(&unix.Ucred{Uid: 4242, Gid: 4242, Pid: 3})
	if err == nil || !strings.Contains(err.Error(), "neither root nor in group nogroup") {
		t.Fatalf("outsider: %v", err)
	}
	s.Group = "sipslb-no-such-group"
	if _, err := s.identify(&unix.Ucred{Uid: 65534, Gid: 65534, Pid: 4}); err == nil {
		t.Fatal("no group configured on the host, but a non-root uid was admitted")
	}
}
