___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Ping Tag",
  "description": "Sends the event name (and optionally its value and extra fields) to an endpoint.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "endpoint",
    "displayName": "Endpoint URL",
    "simpleValueType": true,
    "help": "Where the ping goes.",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ]
  },
  {
    "type": "SELECT",
    "name": "method",
    "displayName": "Method",
    "selectItems": [
      {
        "value": "GET",
        "displayValue": "GET"
      },
      {
        "value": "POST",
        "displayValue": "POST"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "GET"
  },
  {
    "type": "CHECKBOX",
    "name": "includeValue",
    "checkboxText": "Send the event's value",
    "simpleValueType": true
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "extra",
    "displayName": "Extra fields",
    "simpleTableColumns": [
      {
        "defaultValue": "",
        "displayName": "Name",
        "name": "name",
        "type": "TEXT"
      },
      {
        "defaultValue": "",
        "displayName": "Value",
        "name": "value",
        "type": "TEXT"
      }
    ]
  }
]


___SANDBOXED_JS_FOR_SERVER___

const sendHttpRequest = require('sendHttpRequest');
const getEventData = require('getEventData');
const encodeUriComponent = require('encodeUriComponent');
const JSON = require('JSON');

const body = {event: getEventData('event_name')};
if (data.includeValue) {
  body.value = getEventData('value');
}
const extra = data.extra || [];
extra.forEach(row => {
  body[row.name] = row.value;
});
const method = data.method || 'GET';
let url = data.endpoint;
const options = {method: method, headers: {}};
let payload;
if (method === 'GET') {
  url = url + (url.indexOf('?') < 0 ? '?' : '&') + 'e=' + encodeUriComponent(body.event);
} else {
  options.headers['Content-Type'] = 'application/json';
  payload = JSON.stringify(body);
}
sendHttpRequest(url, options, payload).then(r => {
  if (r.statusCode >= 200 && r.statusCode < 300) {
    data.gtmOnSuccess();
  } else {
    data.gtmOnFailure();
  }
}, () => data.gtmOnFailure());


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "send_http",
        "versionId": "1"
      },
      "param": [
        {
          "key": "allowedUrls",
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
        "publicId": "read_event_data",
        "versionId": "1"
      },
      "param": [
        {
          "key": "eventDataAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "keyPatterns",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "event_name"
              },
              {
                "type": 1,
                "string": "value"
              }
            ]
          }
        }
      ]
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: posts the event as JSON
  code: |-
    mock('getEventData', key => ({event_name: 'purchase', value: 42})[key]);
    mock('sendHttpRequest', (url, options, body) => {
      assertThat(url).isEqualTo('https://collect.example/hit');
      assertThat(options.method).isEqualTo('POST');
      assertThat(JSON.parse(body)).isEqualTo({event: 'purchase', value: 42, shop: 'de'});
      return Promise.create(resolve => resolve({statusCode: 204}));
    });
    runCode({endpoint: 'https://collect.example/hit', method: 'POST', includeValue: true, extra: [{name: 'shop', value: 'de'}]});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: pings with GET and fails on a server error
  code: |-
    mock('getEventData', key => ({event_name: 'page view'})[key]);
    mock('sendHttpRequest', (url) => {
      assertThat(url).isEqualTo('https://collect.example/hit?a=1&e=page%20view');
      return Promise.create(resolve => resolve({statusCode: 500}));
    });
    runCode({endpoint: 'https://collect.example/hit?a=1'});
    callLater(() => assertApi('gtmOnFailure').wasCalled());
setup: |-
  const JSON = require('JSON');
  const Promise = require('Promise');
  const callLater = require('callLater');


___NOTES___

Written for tagd's importer tests.
