___INFO___

{
  "type": "CLIENT",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Fixture Ping Client",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "path",
    "displayName": "Path",
    "simpleValueType": true,
    "defaultValue": "/ping"
  }
]


___SANDBOXED_JS_FOR_SERVER___

const claimRequest = require('claimRequest');
const getRequestPath = require('getRequestPath');
const returnResponse = require('returnResponse');
if (getRequestPath() === data.path) {
  claimRequest();
  returnResponse();
}


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {"publicId": "read_request", "versionId": "1"},
      "param": [
        {"key": "requestAccess", "value": {"type": 1, "string": "specific"}},
        {"key": "pathAllowed", "value": {"type": 8, "boolean": true}}
      ]
    },
    "isRequired": true
  },
  {
    "instance": {"key": {"publicId": "return_response", "versionId": "1"}, "param": []},
    "isRequired": true
  }
]


___TESTS___

setup: |
  const path = '/ping';
scenarios:
- name: claims the ping path
  code: |-
    mock('getRequestPath', path);
    runCode({path: path});
    assertApi('claimRequest').wasCalled();
- name: ignores other paths
  code: |-
    mock('getRequestPath', '/other');
    runCode({path: path});
    assertApi('claimRequest').wasNotCalled();
