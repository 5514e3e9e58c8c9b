___INFO___

{
  "type": "TAG",
  "version": 1,
  "displayName": "BOM and CRLF",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {"type": "CHECKBOX", "name": "flag", "simpleValueType": true, "defaultValue": "true"}
]


___SANDBOXED_JS_FOR_SERVER___

if (data.flag) {
  data.gtmOnSuccess();
}


___SERVER_PERMISSIONS___

[]


___TESTS___

scenarios:
- name: crlf
  code: |-
    runCode({flag: true});
    assertApi('gtmOnSuccess').wasCalled();
