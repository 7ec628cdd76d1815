package hash

// DefaultSize is the table size used when Build is given 0. It is prime
// and above 100×N for N up to 655 backends, which keeps the slot imbalance
// between equal backends at about 1% (Maglev paper, §3.4) while the table
// (2 bytes a slot) stays at 128 KiB, small enough to sit in L2 cache.
const DefaultSize uint32 = 65537

// SizeFor returns the table size Build uses for n weighted backends when
// given size 0: DefaultSize, or the smallest prime above 100×n if that is
// larger.
func SizeFor(n int) uint32 {
	if n <= 655 {
		return DefaultSize
	}
	return nextPrime(uint32(n)*100 + 1)
}

// nextPrime returns the smallest prime >= n. Trial division is enough: it
// runs only in Build and sizes stay below a few million.
func nextPrime(n uint32) uint32 {
	if n <= 2 {
		return 2
	}
	if n%2 == 0 {
		n++
	}
	for !isPrime(n) {
		n += 2
	}
	return n
}

func isPrime(n uint32) bool {
	if n < 2 {
		return false
	}
	if n%2 == 0 {
		return n == 2
	}
	for d := uint32(3); d*d <= n; d += 2 {
		if n%d == 0 {
			return false
		}
	}
	return true
}
