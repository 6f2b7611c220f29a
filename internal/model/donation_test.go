package model

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  error
	}{
		{"12", 1200, nil},
		{" 12.50 ", 1250, nil},
		{"12.5", 1250, nil},
		{"12,50", 1250, nil}, // a comma decimal, as es and fr readers write it
		{"1", 100, nil},
		{"10000", 1_000_000, nil},
		{"", 0, ErrAmountMissing},
		{"0", 0, ErrAmountTooSmall},
		{"0.99", 0, ErrAmountTooSmall},
		{"-5", 0, ErrAmountFormat},
		{"10000.01", 0, ErrAmountTooLarge},
		{"99999999999999999999", 0, ErrAmountTooLarge},
		{"1e9", 0, ErrAmountFormat},
		{"1,000", 0, ErrAmountFormat}, // a thousands separator is ambiguous
		{"1.000.000", 0, ErrAmountFormat},
		{"12.", 0, ErrAmountFormat},
		{".5", 0, ErrAmountFormat},
		{"12.505", 0, ErrAmountFormat},
		{"€12", 0, ErrAmountFormat},
		{"١٢", 0, ErrAmountFormat}, // Arabic-Indic digits are not read as an amount
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestValidCurrency(t *testing.T) {
	for _, c := range []string{"eur", "USD", "gbp"} {
		if !ValidCurrency(c) {
			t.Errorf("%s refused", c)
		}
	}
	for _, c := range []string{"", "jpy", "eu", "eur "} {
		if ValidCurrency(c) {
			t.Errorf("%q accepted", c)
		}
	}
}

func TestMajorUnits(t *testing.T) {
	for in, want := range map[int64]string{1250: "12.50", 1000: "10.00", 5: "0.05", 0: "0.00"} {
		if got := MajorUnits(in); got != want {
			t.Errorf("MajorUnits(%d) = %q, want %q", in, got, want)
		}
	}
}
