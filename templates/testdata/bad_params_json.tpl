___INFO___

{"type": "TAG", "version": 1, "displayName": "Broken", "containerContexts": ["SERVER"]}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "a",
  }
]

___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();

