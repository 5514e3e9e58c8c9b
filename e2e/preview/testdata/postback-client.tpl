___INFO___

{
  "type": "CLIENT",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "E2E postback intake",
  "description": "Claims GET /postback from an advertiser's server and runs a conversion event (server-to-server hit for the preview browser test).",
  "containerContexts": ["SERVER"]
}


___SANDBOXED_JS_FOR_SERVER___

const claimRequest = require('claimRequest');
const getRequestPath = require('getRequestPath');
const getRequestQueryParameter = require('getRequestQueryParameter');
const makeNumber = require('makeNumber');
const returnResponse = require('returnResponse');
const runContainer = require('runContainer');
const setResponseBody = require('setResponseBody');
const setResponseStatus = require('setResponseStatus');

if (getRequestPath() !== '/postback') {
  return;
}
claimRequest();
const event = {
  event_name: 'conversion',
  click_id: getRequestQueryParameter('click_id'),
  value: makeNumber(getRequestQueryParameter('payout')),
  currency: 'EUR',
  transaction_id: getRequestQueryParameter('txid')
};
runContainer(event, () => {
  setResponseStatus(200);
  setResponseBody('{"status":"accepted"}');
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
