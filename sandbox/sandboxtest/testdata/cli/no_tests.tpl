___INFO___

{"type": "MACRO", "version": 1, "displayName": "CLI No Tests", "containerContexts": ["SERVER"]}


___SANDBOXED_JS_FOR_SERVER___

return 1;


___TESTS___

scenarios: []
