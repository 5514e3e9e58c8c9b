___INFO___

{"type": "TAG", "version": 1, "displayName": "Broken", "containerContexts": ["SERVER"]}

___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();


___TESTS___

scenarios:
  name: not a list
  code: runCode({});
