package pii

// SetMaxDataKeyUses lowers the data key retirement threshold for a test;
// the returned function restores it. Tests using it must not run in parallel.
func SetMaxDataKeyUses(n uint64) (restore func()) {
	old := maxDataKeyUses
	maxDataKeyUses = n
	return func() { maxDataKeyUses = old }
}
