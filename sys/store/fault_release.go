//go:build !sipslbtest

package store

// The shipped binary never crashes on purpose: SIPSLB_TEST_FAULT means
// nothing to it (fault_sipslbtest.go is built only with -tags sipslbtest).
func faultPoint() string { return "" }
