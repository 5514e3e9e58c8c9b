package api

import "testing"

// getType and makeString answer from shared values and pass strings through; these cases
// pin the answers, including wrapper objects, which must not pass through as objects.
func TestConversionValues(t *testing.T) {
	tests := []struct{ code, want string }{
		{"const g = require('getType'); return [g(undefined), g(null), g(function(){}), g([]), g({}), g('s'), g(true), g(1), g(1.5), g(NaN)].join()",
			"undefined,null,function,array,object,string,boolean,number,number,number"},
		{"const g = require('getType'); return g(new (''.constructor)('x')) + g(new ((1).constructor)(2))", "objectobject"},
		{"const s = require('makeString'); const w = s(new (''.constructor)('x')); return typeof w + w", "stringx"},
		{"const s = require('makeString'); return [s('a'), s(1), s(null), s(undefined), s(true), s([1, 2])].join('|')", "a|1|null|undefined|true|1,2"},
		{"const s = require('makeString'); const a = 'é' + 'x'; return s(a) === a ? 'same' : 'differs'", "same"},
		// makeInteger truncates toward zero; past int64 it must stay the (integral) number,
		// not wrap around.
		{"const i = require('makeInteger'); return [i(1.9), i(-1.9), i('42'), i('x'), i(9007199254740992), i(1e21) === 1e21, i(-1e21) === -1e21, i(Infinity)].join()",
			"1,-1,42,NaN,9007199254740992,true,true,Infinity"},
	}
	checkValues(t, tests)
}

// checkValues runs each case's code with no permissions and compares its return value.
func checkValues(t *testing.T, tests []struct{ code, want string }) {
	t.Helper()
	for _, tt := range tests {
		res := fxEval(t, nil, tt.code)
		if res.Err != nil {
			t.Errorf("%s: %v", tt.code, res.Err)
			continue
		}
		if res.Value != tt.want {
			t.Errorf("%s = %v, want %q", tt.code, res.Value, tt.want)
		}
	}
}
