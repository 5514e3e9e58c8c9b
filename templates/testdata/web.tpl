___INFO___

{"type": "TAG", "version": 1, "displayName": "Web only", "containerContexts": ["WEB"]}


___SANDBOXED_JS_FOR_WEB_TEMPLATE___

data.gtmOnSuccess();


___WEB_PERMISSIONS___

[]
