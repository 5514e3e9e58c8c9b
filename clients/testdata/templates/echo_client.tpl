___INFO___

{
  "type": "CLIENT",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Echo client (tagd test)",
  "description": "Claims requests on one path, runs one event built from the query string and answers 202 with JSON.",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {"type": "TEXT", "name": "path", "displayName": "Path", "simpleValueType": true, "defaultValue": "/tpl/collect"}
]


___SANDBOXED_JS_FOR_SERVER___

const claimRequest = require('claimRequest');
const getRequestPath = require('getRequestPath');
const getRequestQueryParameter = require('getRequestQueryParameter');
const makeNumber = require('makeNumber');
const runContainer = require('runContainer');
const setResponseStatus = require('setResponseStatus');
const setResponseHeader = require('setResponseHeader');
const setResponseBody = require('setResponseBody');
const returnResponse = require('returnResponse');
const JSON = require('JSON');

if (getRequestPath() !== data.path) {
  return;
}
claimRequest();

const event = {
  event_name: getRequestQueryParameter('en') || 'page_view',
  client_id: getRequestQueryParameter('cid'),
  x_source: 'echo-client'
};
const value = getRequestQueryParameter('value');
if (value) {
  event.value = makeNumber(value);
}

runContainer(event, () => {
  setResponseStatus(202);
  setResponseHeader('content-type', 'application/json');
  setResponseBody(JSON.stringify({ok: true, event: event.event_name}));
  returnResponse();
});


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {"publicId": "read_request", "versionId": "1"},
      "param": [{"key": "requestAccess", "value": {"type": 1, "string": "any"}}]
    },
    "isRequired": true
  },
  {
    "instance": {"key": {"publicId": "run_container", "versionId": "1"}, "param": []},
    "isRequired": true
  },
  {
    "instance": {
      "key": {"publicId": "access_response", "versionId": "1"},
      "param": [{"key": "writeResponseAccess", "value": {"type": 1, "string": "any"}}]
    },
    "isRequired": true
  },
  {
    "instance": {"key": {"publicId": "return_response", "versionId": "1"}, "param": []},
    "isRequired": true
  }
]


___NOTES___

A test fixture written for tagd.
