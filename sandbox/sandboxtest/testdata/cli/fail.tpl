___INFO___

{"type": "TAG", "version": 1, "displayName": "CLI Fail", "containerContexts": ["SERVER"]}


___SANDBOXED_JS_FOR_SERVER___

const logToConsole = require('logToConsole');
logToConsole('failing on purpose');
data.gtmOnFailure();


___SERVER_PERMISSIONS___

[
  {"instance": {"key": {"publicId": "logging", "versionId": "1"},
    "param": [{"key": "environments", "value": {"type": 1, "string": "all"}}]}, "isRequired": true}
]


___TESTS___

scenarios:
- name: reports failure
  code: |-
    runCode({});
    assertApi('gtmOnFailure').wasCalled();
- name: expects success
  code: |-
    runCode({});
    assertApi('gtmOnSuccess').wasCalled();
