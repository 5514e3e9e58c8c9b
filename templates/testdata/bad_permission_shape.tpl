___INFO___

{"type": "TAG", "version": 1, "displayName": "Broken", "containerContexts": ["SERVER"]}

___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();


___SERVER_PERMISSIONS___

[
  {
    "instance": {"key": {"publicId": "logging", "versionId": "1"}, "param": []},
    "isRequired": true
  },
  {
    "instance": {"key": {"versionId": "1"}, "param": []},
    "isRequired": true
  }
]
