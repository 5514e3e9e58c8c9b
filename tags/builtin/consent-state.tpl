___INFO___

{
  "type": "MACRO",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Consent State",
  "categories": [
    "UTILITY"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "The event's consent state for one consent type (granted, denied or unknown), or all four as an object, from consent_state, Measurement Protocol consent, or the raw GA4 gcs/gcd strings.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "SELECT",
    "name": "consent_type",
    "displayName": "Consent type",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "ad_storage",
        "displayValue": "ad_storage"
      },
      {
        "value": "analytics_storage",
        "displayValue": "analytics_storage"
      },
      {
        "value": "ad_user_data",
        "displayValue": "ad_user_data"
      },
      {
        "value": "ad_personalization",
        "displayValue": "ad_personalization"
      },
      {
        "value": "all",
        "displayValue": "All four (object)"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "ad_storage",
    "help": "Which consent to return. 'All four' returns {ad_storage, analytics_storage, ad_user_data, ad_personalization}."
  },
  {
    "type": "TEXT",
    "name": "when_unknown",
    "displayName": "Value when unknown",
    "simpleValueType": true,
    "defaultValue": "unknown",
    "canBeEmptyString": true,
    "help": "Returned when the event carries no signal for the type. Empty returns undefined."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Object = require('Object');
const getEventData = require('getEventData');
const getType = require('getType');
const makeString = require('makeString');

const DIGITS = '0123456789';
const TYPES = ['ad_storage', 'analytics_storage', 'ad_user_data', 'ad_personalization'];

// Only the keys consent lives in are read.
const eventData = {};
['consent_state', 'consent', 'x-ga-gcs', 'x-ga-gcd'].forEach((key) => {
  const value = getEventData(key);
  if (value !== undefined && value !== null) {
    eventData[key] = value;
  }
});

const type = text(data.consent_type).trim() || 'ad_storage';
if (type === 'all') {
  const all = {};
  TYPES.forEach((name) => {
    all[name] = orUnknown(consentState(name));
  });
  return all;
}
return orUnknown(consentState(type));

// No signal: 'unknown' by default, or what when_unknown says ('' means undefined).
function orUnknown(state) {
  if (state) {
    return state;
  }
  const fallback = data.when_unknown === undefined ? 'unknown' : text(data.when_unknown).trim();
  return fallback || undefined;
}

// consentState returns 'granted' or 'denied' for one consent type, or '' when the event
// carries no signal for it. Sources in order: consent_state (GA4 client), consent
// (Measurement Protocol style, GRANTED/DENIED), then the raw x-ga-gcs and x-ga-gcd strings.
function consentState(type) {
  // No arrays or helper calls here: every vendor tag asks this once or twice per event.
  for (let i = 0; i < 2; i++) {
    const source = i === 0 ? eventData.consent_state : eventData.consent;
    if (source !== undefined && getType(source) === 'object' && hasKey(source, type)) {
      const value = text(source[type]).trim().toLowerCase();
      if (value === 'granted' || value === 'denied') {
        return value;
      }
    }
  }
  const gcsIndex = type === 'ad_storage' ? 0 : (type === 'analytics_storage' ? 1 : -1);
  const gcs = text(eventData['x-ga-gcs']);
  if (gcsIndex >= 0 && gcs.length >= 4 && gcs.substring(0, 2) === 'G1') {
    const digit = gcs.charAt(2 + gcsIndex);
    if (digit === '1' || digit === '0') {
      return digit === '1' ? 'granted' : 'denied';
    }
  }
  // gcd: two digits, then one letter+digit pair per type (protocols.md a.5).
  const gcdIndex = gcsIndex >= 0 ? gcsIndex :
    (type === 'ad_user_data' ? 2 : (type === 'ad_personalization' ? 3 : -1));
  const gcd = text(eventData['x-ga-gcd']);
  if (gcdIndex >= 0 && gcd.length > 2 + 2 * gcdIndex &&
      DIGITS.indexOf(gcd.charAt(0)) >= 0 && DIGITS.indexOf(gcd.charAt(1)) >= 0) {
    const letter = gcd.charAt(2 + 2 * gcdIndex);
    if ('pqmu'.indexOf(letter) >= 0) {
      return 'denied';
    }
    if ('trnv'.indexOf(letter) >= 0) {
      return 'granted';
    }
  }
  return '';
}

// An own key with a value. Cheap: no key list is built per lookup. Event data cannot
// break it by shadowing hasOwnProperty (then the value test alone decides).
function hasKey(obj, key) {
  const v = obj[key];
  if (v === undefined) {
    return false;
  }
  return typeof obj.hasOwnProperty !== 'function' || obj.hasOwnProperty(key);
}

// Copies nothing when every character is allowed, the common case.
function keepOnly(value, allowed) {
  let i = 0;
  while (i < value.length && allowed.indexOf(value[i]) >= 0) {
    i++;
  }
  if (i === value.length) {
    return value;
  }
  let out = value.substring(0, i);
  for (i++; i < value.length; i++) {
    if (allowed.indexOf(value[i]) >= 0) {
      out += value[i];
    }
  }
  return out;
}

function text(value) {
  if (typeof value === 'string') {
    return value;
  }
  if (value === undefined || value === null) {
    return '';
  }
  const type = getType(value);
  if (type === 'object' || type === 'array') {
    return JSON.stringify(value) || '';
  }
  return makeString(value);
}


___SERVER_PERMISSIONS___

[
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
                "string": "consent_state"
              },
              {
                "type": 1,
                "string": "consent"
              },
              {
                "type": 1,
                "string": "x-ga-gcs"
              },
              {
                "type": 1,
                "string": "x-ga-gcd"
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
- name: consent_state from the GA4 client is read per type
  code: |-
    mockEvent({consent_state: {ad_storage: 'denied', analytics_storage: 'granted', ad_user_data: 'GRANTED'}});
    assertThat(runCode({consent_type: 'ad_storage'})).isEqualTo('denied');
    assertThat(runCode({consent_type: 'analytics_storage'})).isEqualTo('granted');
    assertThat(runCode({consent_type: 'ad_user_data'})).isEqualTo('granted');
    assertThat(runCode({consent_type: 'ad_personalization'})).isEqualTo('unknown');
- name: the raw gcs and gcd strings are decoded when consent_state is absent
  code: |-
    mockEvent({'x-ga-gcs': 'G110', 'x-ga-gcd': '13r3p3v3u5l1'});
    assertThat(runCode({consent_type: 'all'})).isEqualTo({
      ad_storage: 'granted', analytics_storage: 'denied', ad_user_data: 'granted', ad_personalization: 'denied'
    });
    mockEvent({'x-ga-gcd': '13l3q3t3n5'});
    assertThat(runCode({consent_type: 'all', when_unknown: ''})).isEqualTo({
      ad_storage: undefined, analytics_storage: 'denied', ad_user_data: 'granted', ad_personalization: 'granted'
    });
- name: Measurement Protocol style consent and the unknown fallback
  code: |-
    mockEvent({consent: {ad_user_data: 'DENIED', ad_personalization: 'GRANTED'}});
    assertThat(runCode({consent_type: 'ad_user_data'})).isEqualTo('denied');
    assertThat(runCode({consent_type: 'ad_storage', when_unknown: 'granted'})).isEqualTo('granted');
    assertThat(runCode({consent_type: 'ad_storage', when_unknown: ''})).isUndefined();
    mockEvent({'x-ga-gcs': 'oops', 'x-ga-gcd': 'x'});
    assertThat(runCode({consent_type: 'ad_storage'})).isEqualTo('unknown');
setup: |-
  const mockEvent = (event) => mock('getEventData', (key) => event[key]);


___NOTES___

Built-in tagd template, written for tagd from scratch.
