___INFO___

{
  "type": "CLIENT",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "JSON Collector",
  "description": "Claims POST requests to a path whose body is one JSON event and runs it.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "path",
    "displayName": "Path",
    "simpleValueType": true,
    "defaultValue": "/collect",
    "help": "The request path this client claims."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const claimRequest = require('claimRequest');
const getRequestPath = require('getRequestPath');
const getRequestMethod = require('getRequestMethod');
const getRequestBody = require('getRequestBody');
const JSON = require('JSON');
const runContainer = require('runContainer');
const returnResponse = require('returnResponse');
const setResponseStatus = require('setResponseStatus');
const setResponseBody = require('setResponseBody');

if (getRequestPath() !== (data.path || '/collect') || getRequestMethod() !== 'POST') {
  return;
}
claimRequest();
const event = JSON.parse(getRequestBody() || '');
if (!event || !event.event_name) {
  setResponseStatus(400);
  setResponseBody('{"error":"event_name is required"}');
  returnResponse();
  return;
}
runContainer(event, () => {
  setResponseStatus(200);
  setResponseBody('{"ok":true}');
  returnResponse();
});


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "read_request",
        "versionId": "1"
      },
      "param": [
        {
          "key": "requestAccess",
          "value": {
            "type": 1,
            "string": "any"
          }
        }
      ]
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "run_container",
        "versionId": "1"
      },
      "param": []
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "return_response",
        "versionId": "1"
      },
      "param": []
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "access_response",
        "versionId": "1"
      },
      "param": [
        {
          "key": "writeResponseAccess",
          "value": {
            "type": 1,
            "string": "any"
          }
        }
      ]
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: runs the posted event
  code: |-
    mock('getRequestPath', '/collect');
    mock('getRequestMethod', 'POST');
    mock('getRequestBody', '{"event_name":"purchase","value":3}');
    let ran;
    mock('runContainer', (event, onComplete) => {
      ran = event;
      onComplete();
    });
    mock('returnResponse', () => {});
    runCode({path: '/collect'});
    assertThat(ran).isEqualTo({event_name: 'purchase', value: 3});
    assertApi('setResponseStatus').wasCalledWith(200);
- name: ignores other paths
  code: |-
    mock('getRequestPath', '/other');
    mock('getRequestMethod', 'POST');
    runCode({path: '/collect'});
    assertApi('runContainer').wasNotCalled();


___NOTES___

Written for tagd's importer tests.
