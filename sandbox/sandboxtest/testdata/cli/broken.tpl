___INFO___

{"type": "TAG", "version": 1, "displayName": "CLI Broken", "containerContexts": ["SERVER"]}


___SANDBOXED_JS_FOR_SERVER___

const x = ;


___TESTS___

scenarios:
- name: never runs
  code: runCode({});
