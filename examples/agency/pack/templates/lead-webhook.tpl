___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Acme Lead Webhook",
  "description": "Posts lead and purchase events to Acme Agency's CRM, labelled with the client.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "endpoint",
    "displayName": "CRM endpoint",
    "simpleValueType": true,
    "help": "The CRM's lead intake URL.",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "api_key",
    "displayName": "API key",
    "simpleValueType": true,
    "help": "Sent as the X-Acme-Key header. Write it as ${ACME_API_KEY} in the config.",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "client_label",
    "displayName": "Client label",
    "simpleValueType": true,
    "help": "Which client container the lead comes from."
  },
  {
    "type": "TEXT",
    "name": "email_hash",
    "displayName": "E-mail hash",
    "simpleValueType": true,
    "help": "The hashed e-mail, usually {{Email hash}} from the email-hash variable."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const sendHttpRequest = require('sendHttpRequest');
const getEventData = require('getEventData');
const JSON = require('JSON');

const lead = {
  client: data.client_label || 'unknown',
  event: getEventData('event_name'),
  value: getEventData('value'),
  currency: getEventData('currency'),
  transaction_id: getEventData('transaction_id'),
  email_sha256: data.email_hash
};
sendHttpRequest(data.endpoint, {
  method: 'POST',
  headers: {'Content-Type': 'application/json', 'X-Acme-Key': data.api_key}
}, JSON.stringify(lead)).then(r => {
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
            "string": "specific"
          }
        },
        {
          "key": "urls",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "https://crm.acme-agency.example/"
              }
            ]
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
              },
              {
                "type": 1,
                "string": "currency"
              },
              {
                "type": 1,
                "string": "transaction_id"
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
- name: posts the lead with the key header
  code: |-
    const event = {event_name: 'generate_lead', value: 25, currency: 'EUR', transaction_id: 'L-1'};
    mock('getEventData', key => event[key]);
    mock('sendHttpRequest', (url, options, body) => {
      assertThat(url).isEqualTo('https://crm.acme-agency.example/v1/leads');
      assertThat(options.headers['X-Acme-Key']).isEqualTo('k-123');
      assertThat(JSON.parse(body)).isEqualTo({client: 'shop-a', event: 'generate_lead', value: 25,
        currency: 'EUR', transaction_id: 'L-1', email_sha256: 'abc'});
      return Promise.create(resolve => resolve({statusCode: 201}));
    });
    runCode({endpoint: 'https://crm.acme-agency.example/v1/leads', api_key: 'k-123', client_label: 'shop-a', email_hash: 'abc'});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: reports a rejected lead as a failure
  code: |-
    mock('getEventData', () => undefined);
    mock('sendHttpRequest', () => Promise.create(resolve => resolve({statusCode: 401})));
    runCode({endpoint: 'https://crm.acme-agency.example/v1/leads', api_key: 'wrong'});
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
    });
setup: |-
  const JSON = require('JSON');
  const Promise = require('Promise');
  const callLater = require('callLater');


___NOTES___

Part of the acme-agency pack.
