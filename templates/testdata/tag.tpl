___TERMS_OF_SERVICE___

These are placeholder terms written for the tagd test fixtures.


___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Fixture Webhook Tag",
  "categories": ["ANALYTICS", "UTILITY"],
  "brand": {
    "id": "brand_fixture",
    "displayName": "tagd fixtures",
    "thumbnail": "data:image/png;base64,AAAA"
  },
  "description": "Posts the event to a URL \u003cwith\u003e a\u003db \u0027quoted\u0027.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "LABEL",
    "name": "intro",
    "displayName": "Sends every event to one endpoint."
  },
  {
    "type": "TEXT",
    "name": "endpoint",
    "displayName": "Endpoint URL",
    "simpleValueType": true,
    "valueHint": "https://collect.example.org/",
    "alwaysInSummary": true,
    "valueValidators": [
      {"type": "NON_EMPTY"},
      {"type": "REGEX", "args": ["^https://.*"], "errorMessage": "Must be https"}
    ]
  },
  {
    "type": "SELECT",
    "name": "method",
    "displayName": "Method",
    "macrosInSelect": false,
    "selectItems": [
      {"value": "POST", "displayValue": "POST"},
      {"value": "GET", "displayValue": "GET"}
    ],
    "simpleValueType": true,
    "defaultValue": "POST"
  },
  {
    "type": "SELECT",
    "name": "timeoutMs",
    "displayName": "Timeout",
    "selectItems": [
      {"value": 1000, "displayValue": "1 s"},
      {"value": 5000, "displayValue": "5 s"}
    ],
    "simpleValueType": true,
    "defaultValue": 5000,
    "valueUnit": "ms"
  },
  {
    "type": "CHECKBOX",
    "name": "useAuth",
    "checkboxText": "Send an Authorization header",
    "simpleValueType": true,
    "subParams": [
      {
        "type": "TEXT",
        "name": "token",
        "displayName": "Token",
        "simpleValueType": true,
        "enablingConditions": [
          {"paramName": "useAuth", "paramValue": true, "type": "EQUALS"}
        ],
        "valueValidators": [{"type": "NON_EMPTY"}]
      }
    ]
  },
  {
    "type": "RADIO",
    "name": "bodyFormat",
    "displayName": "Body format",
    "radioItems": [
      {"value": "json", "displayValue": "JSON"},
      {
        "value": "form",
        "displayValue": "Form",
        "help": "URL-encoded",
        "subParams": [
          {
            "type": "TEXT",
            "name": "formPrefix",
            "displayName": "Field prefix",
            "simpleValueType": true,
            "valueValidators": [{"type": "NON_EMPTY"}]
          }
        ]
      }
    ],
    "simpleValueType": true,
    "defaultValue": "json"
  },
  {
    "type": "GROUP",
    "name": "advanced",
    "displayName": "Advanced",
    "groupStyle": "ZIPPY_CLOSED",
    "subParams": [
      {
        "type": "SIMPLE_TABLE",
        "name": "headers",
        "displayName": "Extra headers",
        "simpleTableColumns": [
          {"defaultValue": "", "displayName": "Name", "name": "name", "type": "TEXT", "isUnique": true,
           "valueValidators": [{"type": "NON_EMPTY"}]},
          {"defaultValue": "", "displayName": "Value", "name": "value", "type": "TEXT"},
          {"defaultValue": "set", "displayName": "Mode", "name": "mode", "type": "SELECT",
           "selectItems": [{"value": "set", "displayValue": "Set"}, {"value": "append", "displayValue": "Append"}]}
        ],
        "newRowButtonText": "Add header"
      },
      {
        "type": "PARAM_TABLE",
        "name": "mappings",
        "displayName": "Field mappings",
        "paramTableColumns": [
          {"param": {"type": "TEXT", "name": "from", "displayName": "From", "simpleValueType": true,
                     "valueValidators": [{"type": "NON_EMPTY"}]}, "isUnique": true},
          {"param": {"type": "CHECKBOX", "name": "hash", "checkboxText": "Hash", "simpleValueType": true}}
        ]
      },
      {
        "type": "TEXT",
        "name": "skipEvents",
        "displayName": "Events to skip",
        "simpleValueType": true,
        "textAsList": true,
        "lineCount": 3,
        "defaultValue": "gtm.dom\ngtm.load\n"
      },
      {
        "type": "TEXT",
        "name": "note",
        "displayName": "Note",
        "simpleValueType": true,
        "canBeEmptyString": true,
        "defaultValue": "",
        "notSetText": "(none)"
      },
      {
        "type": "TEXT",
        "name": "emptyDefault",
        "displayName": "Empty default",
        "simpleValueType": true,
        "defaultValue": "",
        "enablingConditions": [
          {"paramName": "method", "paramValue": "GET", "type": "EQUALS"},
          {"paramName": "timeoutMs", "paramValue": 1000, "type": "EQUALS"}
        ]
      }
    ]
  }
]


___SANDBOXED_JS_FOR_SERVER___

const sendHttpRequest = require('sendHttpRequest');
const getAllEventData = require('getAllEventData');
const JSON = require('JSON');

	// tab-indented comment line, and a line with trailing spaces below   
const body = JSON.stringify(getAllEventData());   


sendHttpRequest(data.endpoint, {method: data.method, timeout: data.timeoutMs}, body)
  .then(() => data.gtmOnSuccess(), () => data.gtmOnFailure());
// ends with a comment


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "send_http",
        "versionId": "1"
      },
      "param": [
        {"key": "allowedUrls", "value": {"type": 1, "string": "specific"}},
        {"key": "urls", "value": {"type": 2, "listItem": [
          {"type": 1, "string": "https://collect.example.org/*"},
          {"type": 1, "string": "https://*.example.net/"}
        ]}},
        {"key": "allowGoogleDomains", "value": {"type": 8, "boolean": false}}
      ]
    },
    "clientAnnotations": {"isEditedByUser": true},
    "isRequired": true
  },
  {
    "instance": {
      "key": {"publicId": "read_request", "versionId": "1"},
      "param": [
        {"key": "requestAccess", "value": {"type": 1, "string": "specific"}},
        {"key": "headerWhitelist", "value": {"type": 2, "listItem": [
          {"type": 3, "mapKey": [{"type": 1, "string": "headerName"}], "mapValue": [{"type": 1, "string": "user-agent"}]}
        ]}},
        {"key": "headersAllowed", "value": {"type": 8, "boolean": true}},
        {"key": "futureThing", "value": {"type": 5, "integer": 7}},
        {"key": "untypedString", "value": {"string": "guessed"}}
      ]
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {"publicId": "read_event_data", "versionId": "1"},
      "param": [{"key": "eventDataAccess", "value": {"type": 1, "string": "any"}}]
    },
    "isRequired": false
  },
  {
    "instance": {"key": {"publicId": "read_container_data", "versionId": "1"}, "param": []},
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: posts the event
  code: |-
    mock('sendHttpRequest', () => Promise.create(r => r({statusCode: 200})));
    runCode({endpoint: 'https://collect.example.org/x', method: 'POST'});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
setup: |-
  const Promise = require('Promise');
  const callLater = require('callLater');


___NOTES___

Written for tagd's parser tests.
