package stats

// Drops are counted by slb/reason.Reason and requests by slb/sip.Method:
// this package keeps no copy of either list.

// Answer is a response the balancer sends itself instead of forwarding.
type Answer uint8

const (
	AnswerPong        Answer = iota // CRLF to a CRLFCRLF ping (RFC 5626 §4.4.1)
	Answer483                       // Max-Forwards reached 0
	Answer503NoServer               // the group is empty
	Answer503MaxConn                // every server is at max-conn
	NumAnswers        = int(iota)
)

var answerNames = [NumAnswers]string{"keepalive-pong", "483-too-many-hops", "503-no-server", "503-max-conn"}

func (a Answer) String() string {
	if int(a) < NumAnswers {
		return answerNames[a]
	}
	return "unknown"
}

// NumClasses counts 1xx..6xx.
const NumClasses = 6

// Class is a response's status class: 0 for 1xx ... 5 for 6xx.
type Class uint8

// String is "1xx".."6xx".
func (c Class) String() string {
	if int(c) < NumClasses {
		return string(rune('1'+c)) + "xx"
	}
	return "unknown"
}
