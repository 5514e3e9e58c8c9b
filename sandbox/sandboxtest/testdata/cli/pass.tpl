___INFO___

{"type": "MACRO", "version": 1, "displayName": "CLI Pass", "containerContexts": ["SERVER"]}


___SANDBOXED_JS_FOR_SERVER___

const logToConsole = require('logToConsole');
logToConsole('doubling', data.n);
return data.n * 2;


___SERVER_PERMISSIONS___

[
  {"instance": {"key": {"publicId": "logging", "versionId": "1"},
    "param": [{"key": "environments", "value": {"type": 1, "string": "all"}}]}, "isRequired": true}
]


___TESTS___

scenarios:
- name: doubles
  code: 'assertThat(runCode({n: 2})).isEqualTo(4);'
- name: doubles zero
  code: "assertThat(runCode({n: 0})).isEqualTo(0);"
