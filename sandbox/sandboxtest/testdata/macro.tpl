___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "displayName": "Runner Fixture Variable",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[]


___SANDBOXED_JS_FOR_SERVER___

const Promise = require('Promise');

if (data.op === 'promise') {
  return Promise.create((resolve) => resolve(data.value));
}
if (data.op === 'fn') {
  return () => 1;
}
if (data.op === 'has') {
  return data.hasOwnProperty('maybe');
}
return data.value;


___TESTS___

scenarios:
- name: 'pass: isUndefined'
  code: |-
    assertThat(runCode({value: undefined})).isUndefined();
- name: 'pass: isDefined'
  code: |-
    assertThat(runCode({value: 0})).isDefined();
- name: 'pass: isNull'
  code: |-
    assertThat(runCode({value: null})).isNull();
- name: 'pass: isNotNull'
  code: |-
    assertThat(runCode({value: undefined})).isNotNull();
- name: 'pass: isTrue'
  code: |-
    assertThat(runCode({value: true})).isTrue();
- name: 'pass: isFalse'
  code: |-
    assertThat(runCode({value: false})).isFalse();
- name: 'pass: isTruthy'
  code: |-
    assertThat(runCode({value: 'x'})).isTruthy();
- name: 'pass: isFalsy'
  code: |-
    assertThat(runCode({value: ''})).isFalsy();
- name: 'pass: isNaN'
  code: |-
    assertThat(runCode({value: 0/0})).isNaN();
- name: 'pass: isNotNaN'
  code: |-
    assertThat(runCode({value: 'NaN'})).isNotNaN();
- name: 'pass: isInfinity'
  code: |-
    assertThat(runCode({value: -1/0})).isInfinity();
- name: 'pass: isNotInfinity'
  code: |-
    assertThat(runCode({value: 1e308})).isNotInfinity();
- name: 'pass: isEqualTo'
  code: |-
    assertThat(runCode({value: {a: [1, {b: null}], c: 'd'}})).isEqualTo({c: 'd', a: [1, {b: null}]});
- name: 'pass: isNotEqualTo'
  code: |-
    assertThat(runCode({value: [1, 2]})).isNotEqualTo([2, 1]);
- name: 'pass: isAnyOf'
  code: |-
    assertThat(runCode({value: {k: 1}})).isAnyOf(1, {k: 1});
- name: 'pass: isNoneOf'
  code: |-
    assertThat(runCode({value: '1'})).isNoneOf(1, true);
- name: 'pass: isStrictlyEqualTo'
  code: |-
    assertThat(runCode({value: 'same'})).isStrictlyEqualTo('same');
- name: 'pass: isNotStrictlyEqualTo'
  code: |-
    assertThat(runCode({value: {}})).isNotStrictlyEqualTo({});
- name: 'pass: isGreaterThan'
  code: |-
    assertThat(runCode({value: 3})).isGreaterThan(2);
- name: 'pass: isGreaterThanOrEqualTo'
  code: |-
    assertThat(runCode({value: 'b'})).isGreaterThanOrEqualTo('b');
- name: 'pass: isLessThan'
  code: |-
    assertThat(runCode({value: -1})).isLessThan(0);
- name: 'pass: isLessThanOrEqualTo'
  code: |-
    assertThat(runCode({value: 2})).isLessThanOrEqualTo(2);
- name: 'pass: contains'
  code: |-
    assertThat(runCode({value: [1, {a: 2}, 'x']})).contains({a: 2}, 'x');
- name: 'pass: doesNotContain'
  code: |-
    assertThat(runCode({value: 'hello world'})).doesNotContain('bye', 'x');
- name: 'pass: containsExactly'
  code: |-
    assertThat(runCode({value: [1, 2, 2]})).containsExactly(2, 1, 2);
- name: 'pass: doesNotContainExactly'
  code: |-
    assertThat(runCode({value: [1, 2]})).doesNotContainExactly(1, 2, 2);
- name: 'pass: hasLength'
  code: |-
    assertThat(runCode({value: 'añb'})).hasLength(3);
- name: 'pass: isEmpty'
  code: |-
    assertThat(runCode({value: []})).isEmpty();
- name: 'pass: isNotEmpty'
  code: |-
    assertThat(runCode({value: 'a'})).isNotEmpty();
- name: 'pass: isArray'
  code: |-
    assertThat(runCode({value: []})).isArray();
- name: 'pass: isBoolean'
  code: |-
    assertThat(runCode({value: false})).isBoolean();
- name: 'pass: isFunction'
  code: |-
    assertThat(runCode({op: 'fn'})).isFunction();
- name: 'pass: isNumber'
  code: |-
    assertThat(runCode({value: 1.5})).isNumber();
- name: 'pass: isObject'
  code: |-
    assertThat(runCode({value: {}})).isObject();
- name: 'pass: isString'
  code: |-
    assertThat(runCode({value: ''})).isString();
- name: 'fail: isUndefined'
  code: |-
    assertThat(runCode({value: null})).isUndefined();
- name: 'fail: isDefined'
  code: |-
    assertThat(runCode({value: undefined})).isDefined();
- name: 'fail: isNull'
  code: |-
    assertThat(runCode({value: undefined})).isNull();
- name: 'fail: isNotNull'
  code: |-
    assertThat(runCode({value: null})).isNotNull();
- name: 'fail: isTrue'
  code: |-
    assertThat(runCode({value: 1})).isTrue();
- name: 'fail: isFalse'
  code: |-
    assertThat(runCode({value: 0})).isFalse();
- name: 'fail: isTruthy'
  code: |-
    assertThat(runCode({value: 0})).isTruthy();
- name: 'fail: isFalsy'
  code: |-
    assertThat(runCode({value: []})).isFalsy();
- name: 'fail: isNaN'
  code: |-
    assertThat(runCode({value: 'x'})).isNaN();
- name: 'fail: isNotNaN'
  code: |-
    assertThat(runCode({value: 0/0})).isNotNaN();
- name: 'fail: isInfinity'
  code: |-
    assertThat(runCode({value: 1e308})).isInfinity();
- name: 'fail: isNotInfinity'
  code: |-
    assertThat(runCode({value: 1/0})).isNotInfinity();
- name: 'fail: isEqualTo'
  code: |-
    assertThat(runCode({value: {a: 1}})).isEqualTo({a: 2});
- name: 'fail: isNotEqualTo'
  code: |-
    assertThat(runCode({value: {a: [1]}})).isNotEqualTo({a: [1]});
- name: 'fail: isAnyOf'
  code: |-
    assertThat(runCode({value: 3})).isAnyOf(1, 2);
- name: 'fail: isNoneOf'
  code: |-
    assertThat(runCode({value: 2})).isNoneOf(1, 2);
- name: 'fail: isStrictlyEqualTo'
  code: |-
    assertThat(runCode({value: {}})).isStrictlyEqualTo({});
- name: 'fail: isNotStrictlyEqualTo'
  code: |-
    assertThat(runCode({value: 's'})).isNotStrictlyEqualTo('s');
- name: 'fail: isGreaterThan'
  code: |-
    assertThat(runCode({value: 2})).isGreaterThan(2);
- name: 'fail: isGreaterThanOrEqualTo'
  code: |-
    assertThat(runCode({value: undefined})).isGreaterThanOrEqualTo(0);
- name: 'fail: isLessThan'
  code: |-
    assertThat(runCode({value: 'b'})).isLessThan('a');
- name: 'fail: isLessThanOrEqualTo'
  code: |-
    assertThat(runCode({value: 3})).isLessThanOrEqualTo(2);
- name: 'fail: contains'
  code: |-
    assertThat(runCode({value: [1, 2]})).contains(2, 3);
- name: 'fail: doesNotContain'
  code: |-
    assertThat(runCode({value: 'hello'})).doesNotContain('ell');
- name: 'fail: containsExactly'
  code: |-
    assertThat(runCode({value: [1, 2]})).containsExactly(1, 2, 2);
- name: 'fail: doesNotContainExactly'
  code: |-
    assertThat(runCode({value: [2, 1]})).doesNotContainExactly(1, 2);
- name: 'fail: hasLength'
  code: |-
    assertThat(runCode({value: {length: 2}})).hasLength(2);
- name: 'fail: isEmpty'
  code: |-
    assertThat(runCode({value: ' '})).isEmpty();
- name: 'fail: isNotEmpty'
  code: |-
    assertThat(runCode({value: []})).isNotEmpty();
- name: 'fail: isArray'
  code: |-
    assertThat(runCode({value: {}})).isArray();
- name: 'fail: isBoolean'
  code: |-
    assertThat(runCode({value: 'true'})).isBoolean();
- name: 'fail: isFunction'
  code: |-
    assertThat(runCode({value: {}})).isFunction();
- name: 'fail: isNumber'
  code: |-
    assertThat(runCode({value: '1'})).isNumber();
- name: 'fail: isObject'
  code: |-
    assertThat(runCode({value: []})).isObject();
- name: 'fail: isString'
  code: |-
    assertThat(runCode({value: 1})).isString();
- name: 'pass: runCode returns the variable''s value'
  code: |-
    const v = runCode({value: {nested: ['a']}});
    assertThat(v).isEqualTo({nested: ['a']});
    assertThat(v, 'copied data').isNotStrictlyEqualTo(undefined);
- name: 'pass: a variable may return a promise'
  code: |-
    runCode({op: 'promise', value: 7}).then((v) => assertThat(v).isEqualTo(7));
- name: 'pass: keys holding undefined reach the template'
  code: |-
    assertThat(runCode({op: 'has', maybe: undefined})).isTrue();
    assertThat(runCode({op: 'has'})).isFalse();
- name: 'pass: the test code sees an empty data object'
  code: |-
    assertThat(data).isEqualTo({});
- name: 'pass: deep equality tells undefined from null and from a missing key'
  code: |-
    assertThat(runCode({value: [undefined]})).isNotEqualTo([null]);
    assertThat(runCode({value: {a: undefined}})).isNotEqualTo({});
    assertThat(runCode({value: 0/0})).isEqualTo(0/0);
- name: 'fail: opt_message is part of the failure'
  code: |-
    assertThat(runCode({value: 1}), 'the answer').isEqualTo(42);
- name: 'fail: a promise assertion'
  code: |-
    runCode({op: 'promise', value: 7}).then((v) => assertThat(v).isEqualTo(8));
- name: 'fail: an unknown matcher'
  code: |-
    assertThat(1).matches(1);


___NOTES___

Fixture for sandbox/sandboxtest: one passing and one failing scenario per assertThat
matcher, plus runCode return values. Failure messages are recorded in macro.golden.
