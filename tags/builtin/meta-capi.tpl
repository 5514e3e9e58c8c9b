___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Meta Conversions API",
  "categories": ["ADVERTISING", "CONVERSIONS", "REMARKETING"],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Sends each event to the Meta (Facebook) Conversions API: GA4 event names become Meta standard events, customer data is normalised and SHA-256 hashed, fbp/fbc are taken from event data or cookies.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "pixel_id",
    "displayName": "Pixel ID",
    "simpleValueType": true,
    "alwaysInSummary": true,
    "valueHint": "1234567890",
    "valueValidators": [
      {"type": "NON_EMPTY"}
    ],
    "help": "The dataset (pixel) ID from Meta Events Manager."
  },
  {
    "type": "TEXT",
    "name": "access_token",
    "displayName": "Access token",
    "simpleValueType": true,
    "valueValidators": [
      {"type": "NON_EMPTY"}
    ],
    "help": "A Conversions API access token generated in Events Manager (dataset settings). Sent as the access_token query parameter."
  },
  {
    "type": "TEXT",
    "name": "api_version",
    "displayName": "Graph API version",
    "simpleValueType": true,
    "defaultValue": "v24.0",
    "help": "Graph API version in the request path, e.g. v24.0. A missing leading 'v' is added. Empty means v24.0."
  },
  {
    "type": "TEXT",
    "name": "test_event_code",
    "displayName": "Test event code",
    "simpleValueType": true,
    "help": "Optional. Routes events to the Test Events tab of Events Manager (e.g. TEST12345). Remove it in production."
  },
  {
    "type": "SELECT",
    "name": "action_source",
    "displayName": "Action source",
    "macrosInSelect": true,
    "selectItems": [
      {"value": "website", "displayValue": "Website"},
      {"value": "app", "displayValue": "App"},
      {"value": "email", "displayValue": "Email"},
      {"value": "phone_call", "displayValue": "Phone call"},
      {"value": "chat", "displayValue": "Chat"},
      {"value": "physical_store", "displayValue": "Physical store"},
      {"value": "system_generated", "displayValue": "System generated"},
      {"value": "business_messaging", "displayValue": "Business messaging"},
      {"value": "other", "displayValue": "Other"}
    ],
    "simpleValueType": true,
    "defaultValue": "website",
    "help": "Where the conversion happened. Website events should carry page_location (event_source_url) and user_agent."
  },
  {
    "type": "TEXT",
    "name": "event_name_override",
    "displayName": "Event name override",
    "simpleValueType": true,
    "help": "Optional. When set, every event is sent under this name, ignoring the mapping below."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "event_name_map",
    "displayName": "Extra event name mapping",
    "simpleTableColumns": [
      {"defaultValue": "", "displayName": "Event name (from event data)", "name": "from", "type": "TEXT", "isUnique": true},
      {"defaultValue": "", "displayName": "Meta event name", "name": "to", "type": "TEXT"}
    ],
    "newRowButtonText": "Add mapping",
    "help": "Optional rows checked before the built-in GA4 to Meta mapping (page_view to PageView, purchase to Purchase, ...). Names matched by neither are sent unchanged as custom events."
  },
  {
    "type": "CHECKBOX",
    "name": "send_pii",
    "checkboxText": "Send hashed customer information",
    "displayName": "Customer information",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "When ticked, email, phone, name, gender, birth date, address and external id are normalised and SHA-256 hashed into user_data. When unticked only IP address, user agent, fbp and fbc are sent."
  },
  {
    "type": "TEXT",
    "name": "default_phone_country_code",
    "displayName": "Default phone country code",
    "simpleValueType": true,
    "valueHint": "44",
    "help": "Optional calling code (digits, e.g. 1 or 44) for phone numbers written without + or 00. Such numbers are then taken as national numbers: leading zeros are dropped and this code is put in front. Leave empty when your numbers already carry their country code."
  },
  {
    "type": "CHECKBOX",
    "name": "respect_consent",
    "checkboxText": "Honour the event's consent signals",
    "displayName": "Consent",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "Reads consent_state (or consent, x-ga-gcs, x-ga-gcd) from the event. Denied ad_user_data: no customer information and no IP address is sent. Denied ad_storage: see below. Events without consent signals are sent normally. Untick only when consent is enforced elsewhere (for example by a blocking trigger).",
    "subParams": [
      {
        "type": "SELECT",
        "name": "ad_storage_denied",
        "displayName": "When ad_storage is denied",
        "macrosInSelect": false,
        "selectItems": [
          {"value": "skip", "displayValue": "Do not send the event"},
          {"value": "anonymous", "displayValue": "Send it without cookie and click identifiers"}
        ],
        "simpleValueType": true,
        "defaultValue": "skip",
        "enablingConditions": [
          {"paramName": "respect_consent", "paramValue": true, "type": "EQUALS"}
        ],
        "help": "Do not send: the tag succeeds without a request. Send without identifiers: browser and click ids (cookies, click ids from the landing URL) are left out."
      }
    ]
  },
  {
    "type": "CHECKBOX",
    "name": "data_processing_options",
    "checkboxText": "Limited Data Use (LDU)",
    "displayName": "Data processing options",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Marks events for Meta's Limited Data Use processing (US state privacy laws).",
    "subParams": [
      {
        "type": "TEXT",
        "name": "dpo_country",
        "displayName": "LDU country",
        "simpleValueType": true,
        "defaultValue": "0",
        "enablingConditions": [
          {"paramName": "data_processing_options", "paramValue": true, "type": "EQUALS"}
        ],
        "help": "data_processing_options_country: 0 lets Meta geolocate the event, 1 means United States."
      },
      {
        "type": "TEXT",
        "name": "dpo_state",
        "displayName": "LDU state",
        "simpleValueType": true,
        "defaultValue": "0",
        "enablingConditions": [
          {"paramName": "data_processing_options", "paramValue": true, "type": "EQUALS"}
        ],
        "help": "data_processing_options_state: 0 lets Meta geolocate the event, or a Meta state code such as 1000 (California)."
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "partner_agent",
    "displayName": "Partner agent",
    "simpleValueType": true,
    "help": "Optional partner_agent string identifying the integration to Meta."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Math = require('Math');
const Object = require('Object');
const encodeUriComponent = require('encodeUriComponent');
const getAllEventData = require('getAllEventData');
const getCookieValues = require('getCookieValues');
const getTimestampMillis = require('getTimestampMillis');
const getType = require('getType');
const logToConsole = require('logToConsole');
const makeInteger = require('makeInteger');
const makeNumber = require('makeNumber');
const makeString = require('makeString');
const parseUrl = require('parseUrl');
const sendHttpRequest = require('sendHttpRequest');
const sha256Sync = require('sha256Sync');

const GRAPH_URL = 'https://graph.facebook.com/';
const DEFAULT_API_VERSION = 'v24.0';
const DEFAULT_ACTION_SOURCE = 'website';
const MAX_LOGGED_BODY = 1000;
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const WHITESPACE = ' \t\n\r\f\v\u00a0';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
// Full US state names (lower case, no spaces) to the two-letter codes the vendors expect,
// read by normaliseUserField. Only a region needs the large table, so buildUserData fills
// it in (usStates) when it first hashes one instead of every run building it.
let US_STATES;

// GA4 recommended events to Meta standard events. view_item_list is left out on purpose:
// Meta treats ViewContent as a product-detail view, so list views would inflate it; it goes
// out as the custom event 'view_item_list' unless the mapping table says otherwise.
const STANDARD_EVENTS = {
  page_view: 'PageView',
  view_item: 'ViewContent',
  search: 'Search',
  add_to_cart: 'AddToCart',
  add_to_wishlist: 'AddToWishlist',
  begin_checkout: 'InitiateCheckout',
  add_payment_info: 'AddPaymentInfo',
  purchase: 'Purchase',
  generate_lead: 'Lead',
  sign_up: 'CompleteRegistration',
  contact: 'Contact',
  subscribe: 'Subscribe',
  start_trial: 'StartTrial'
};

const eventData = getAllEventData() || {};

const pixelId = text(data.pixel_id).trim();
const accessToken = text(data.access_token).trim();
if (!pixelId || !accessToken) {
  logToConsole({message: 'meta-capi: pixel_id and access_token are required'});
  data.gtmOnFailure('meta-capi: pixel_id and access_token are required');
  return;
}
const eventName = mappedName(text(eventData.event_name).trim(), STANDARD_EVENTS, false);
if (!eventName) {
  logToConsole({message: 'meta-capi: the event has no event_name'});
  data.gtmOnFailure('meta-capi: the event has no event_name');
  return;
}
const consent = consentPolicy();
if (!consent.send) {
  logToConsole({message: 'meta-capi: ad_storage consent denied, event not sent', event_name: eventName});
  return data.gtmOnSuccess();
}

// The x-fb-cd-* keys override custom_data fields, and customer data may be written as flat
// keys (x-fb-ud-*, or a 'user_data.<path>' key) that buildUserData must look at. Most
// events have neither: one search over the joined key list rules both out before any key
// is looked at on its own.
const customDataKeys = [];
let flatUserKeys = false;
const eventKeys = Object.keys(eventData);
const keyList = eventKeys.join(',');
if (keyList.indexOf('x-fb-') >= 0 || keyList.indexOf('user_data.') >= 0) {
  for (let i = 0; i < eventKeys.length; i++) {
    const key = eventKeys[i];
    if (key.indexOf('x-fb-cd-') === 0 && key.length > 8) {
      customDataKeys.push(key);
    } else if (key.indexOf('x-fb-ud-') === 0 || key.indexOf('user_data.') === 0) {
      flatUserKeys = true;
    }
  }
}

const event = {event_name: eventName, event_time: eventTime()};
// Without an event_id, a transaction_id still lets Meta drop repeats of the same order.
const transactionId = text(eventData.transaction_id).trim();
setIf(event, 'event_id', text(eventData.event_id).trim() || transactionId);
const pageLocation = text(eventData.page_location).trim();
setIf(event, 'event_source_url', pageLocation);
setIf(event, 'referrer_url', text(eventData.page_referrer).trim());
event.action_source = text(data.action_source).trim() || DEFAULT_ACTION_SOURCE;
const userData = buildUserData();
if (Object.keys(userData).length > 0) {
  event.user_data = userData;
}
const customData = buildCustomData();
if (Object.keys(customData).length > 0) {
  event.custom_data = customData;
}
if (flag(data.data_processing_options, false)) {
  event.data_processing_options = ['LDU'];
  event.data_processing_options_country = integerOr(data.dpo_country, 0);
  event.data_processing_options_state = integerOr(data.dpo_state, 0);
}

const body = {data: [event]};
setIf(body, 'test_event_code', text(data.test_event_code).trim());
setIf(body, 'partner_agent', text(data.partner_agent).trim());

let apiVersion = text(data.api_version).trim() || DEFAULT_API_VERSION;
if (DIGITS.indexOf(apiVersion.charAt(0)) >= 0) {
  apiVersion = 'v' + apiVersion;
}
const url = GRAPH_URL + encodeUriComponent(apiVersion) + '/' + encodeUriComponent(pixelId) +
  '/events?access_token=' + encodeUriComponent(accessToken);

sendHttpRequest(url, {method: 'POST', headers: {'Content-Type': 'application/json'}}, JSON.stringify(body))
  .then((result) => {
    const status = result.statusCode;
    if (status >= 200 && status < 300) {
      data.gtmOnSuccess();
      return;
    }
    const parsed = JSON.parse(text(result.body));
    const error = parsed && getType(parsed.error) === 'object' ? parsed.error : {};
    const line = {message: 'meta-capi: Meta rejected the event', event_name: eventName, status: status};
    setIf(line, 'error_message', text(error.message));
    setIf(line, 'error_code', error.code);
    setIf(line, 'error_subcode', error.error_subcode);
    setIf(line, 'fbtrace_id', text(error.fbtrace_id));
    if (!line.error_message) {
      // Not a Graph API error object (proxy page, empty body): keep the start of the body.
      line.body = text(result.body).substring(0, MAX_LOGGED_BODY);
    }
    logToConsole(line);
    data.gtmOnFailure('meta-capi: HTTP ' + status + ': ' +
      (line.error_message ? line.error_message + ' (code ' + text(error.code) + ')' : line.body));
  }, (err) => {
    const reason = text(err && err.reason) || 'failed';
    logToConsole({message: 'meta-capi: request failed', event_name: eventName, reason: reason});
    data.gtmOnFailure('meta-capi: request ' + reason);
  });

// Customer information (send_pii, and ad_user_data consent) is normalised and hashed; the
// IP address needs ad_user_data consent; fbp/fbc are sent exactly as received, and only when
// ad_storage allows identifiers.
function buildUserData() {
  const out = {};
  // Customer data can only come from user_data, from flat keys (x-fb-ud-*, or a
  // 'user_data.<path>' key) or from user_id: events with none of them skip the fields.
  if ((eventData.user_data !== undefined || flatUserKeys || eventData.user_id !== undefined) &&
      flag(data.send_pii, true) && consent.userData) {
    hashCustomerData(out);
  }
  if (consent.userData) {
    setIf(out, 'client_ip_address', text(eventData.ip_override).trim());
  }
  // Website events need the user agent; it identifies a browser build, not a person.
  setIf(out, 'client_user_agent', text(eventData.user_agent));
  if (consent.identifiers) {
    // A landing URL with an fbclid that the known fbc does not carry means a new ad click,
    // so fbc is rebuilt as fb.1.<now ms>.<fbclid> (protocols.md c.4, f). parseUrl is costly:
    // a URL with neither 'fbclid' nor a %-escape in it cannot carry that parameter.
    const fbc = text(eventData['x-fb-ck-fbc']).trim() || text(eventData._fbc).trim() ||
      firstCookie('_fbc');
    const fbclid = pageLocation.indexOf('fbclid') >= 0 || pageLocation.indexOf('%') >= 0 ?
      queryParam(pageLocation, 'fbclid') : '';
    // The click id is everything after the third dot, possibly followed by '.<suffix>';
    // an fbclid may itself contain dots.
    const fbcClick = fbclid ? fbc.split('.').slice(3).join('.') : '';
    if (fbclid && fbcClick !== fbclid && fbcClick.indexOf(fbclid + '.') !== 0) {
      setIf(out, 'fbc', 'fb.1.' + makeString(getTimestampMillis()) + '.' + fbclid);
    } else {
      setIf(out, 'fbc', fbc);
    }
    setIf(out, 'fbp', text(eventData['x-fb-ck-fbp']).trim() || text(eventData._fbp).trim() ||
      firstCookie('_fbp'));
  }
  return out;

  // The hashed customer fields. A function of its own, so that its helpers below are
  // only created for events that carry customer data.
  function hashCustomerData(out) {
    // Where each user_data field is read from, most specific first; the first source that
    // yields a usable value wins. Paths descend into arrays (user_data.address may be a list).
    const fields = [
      {key: 'em', sources: ['x-fb-ud-em', 'user_data.email_address', 'user_data.email', 'user_data.sha256_email_address']},
      {key: 'ph', sources: ['x-fb-ud-ph', 'user_data.phone_number', 'user_data.sha256_phone_number']},
      {key: 'fn', sources: ['x-fb-ud-fn', 'user_data.address.first_name', 'user_data.address.sha256_first_name']},
      {key: 'ln', sources: ['x-fb-ud-ln', 'user_data.address.last_name', 'user_data.address.sha256_last_name']},
      {key: 'ge', sources: ['x-fb-ud-ge', 'user_data.gender']},
      {key: 'db', sources: ['x-fb-ud-db', 'user_data.date_of_birth']},
      {key: 'ct', sources: ['x-fb-ud-ct', 'user_data.address.city']},
      {key: 'st', sources: ['x-fb-ud-st', 'user_data.address.region']},
      {key: 'zp', sources: ['x-fb-ud-zp', 'user_data.address.postal_code']},
      {key: 'country', sources: ['x-fb-ud-country', 'user_data.address.country']},
      {key: 'external_id', sources: ['x-fb-ud-external_id', 'user_data.external_id', 'user_id']}
    ];
    // The US_STATES table for regions (see above), built when the first one is hashed.
    const usStates = () => ({
      alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co',
      connecticut: 'ct', delaware: 'de', districtofcolumbia: 'dc', florida: 'fl', georgia: 'ga',
      hawaii: 'hi', idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia', kansas: 'ks',
      kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md', massachusetts: 'ma',
      michigan: 'mi', minnesota: 'mn', mississippi: 'ms', missouri: 'mo', montana: 'mt',
      nebraska: 'ne', nevada: 'nv', newhampshire: 'nh', newjersey: 'nj', newmexico: 'nm',
      newyork: 'ny', northcarolina: 'nc', northdakota: 'nd', ohio: 'oh', oklahoma: 'ok',
      oregon: 'or', pennsylvania: 'pa', rhodeisland: 'ri', southcarolina: 'sc', southdakota: 'sd',
      tennessee: 'tn', texas: 'tx', utah: 'ut', vermont: 'vt', virginia: 'va', washington: 'wa',
      westvirginia: 'wv', wisconsin: 'wi', wyoming: 'wy', puertorico: 'pr'
    });
    // Every path in fields ends one step below user_data or user_data.address; either may
    // be a list (arrays are flattened at every level, null and undefined dropped). The
    // objects at those two levels are found once, so each path takes one step instead of
    // being walked from the top for every source.
    const objectsIn = (list) => {
      const objects = [];
      for (let i = 0; i < list.length; i++) {
        if (getType(list[i]) === 'object') {
          objects.push(list[i]);
        }
      }
      return objects;
    };
    const stepDown = (objects, name) => {
      const found = [];
      for (let i = 0; i < objects.length; i++) {
        if (hasKey(objects[i], name)) {
          found.push(objects[i][name]);
        }
      }
      return flatten(found);
    };
    const userObjects = hasKey(eventData, 'user_data') ? objectsIn(flatten([eventData.user_data])) : [];
    const addressObjects = objectsIn(stepDown(userObjects, 'address'));
    for (let f = 0; f < fields.length; f++) {
      const key = fields[f].key;
      const sources = fields[f].sources;
      for (let s = 0; s < sources.length; s++) {
        const source = sources[s];
        // A key of the event itself, even one spelt 'user_data.<path>', wins over the path.
        let values = [];
        if (hasKey(eventData, source)) {
          values = flatten([eventData[source]]);
        } else if (source.indexOf('user_data.address.') === 0) {
          values = stepDown(addressObjects, source.substring(18));
        } else if (source.indexOf('user_data.') === 0) {
          values = stepDown(userObjects, source.substring(10));
        }
        if (values.length === 0) {
          continue;
        }
        if (key === 'st' && !US_STATES) {
          US_STATES = usStates();
        }
        const hashes = hashValues(values, (raw) => normaliseUserField(key, raw));
        if (hashes.length > 0) {
          // One value is sent as a string, several as an array.
          out[key] = hashes.length === 1 ? hashes[0] : hashes;
          break;
        }
      }
    }

    // hashValues normalises and SHA-256 hashes (lower-case hex) each string or number in
    // values. A value that already is 64 hex characters is taken as a hash and passed through
    // lower-cased. Values the normaliser empties, and repeats, are dropped.
    function hashValues(values, normalise) {
      const out = [];
      for (let i = 0; i < values.length; i++) {
        const value = values[i];
        const type = getType(value);
        if (type !== 'string' && type !== 'number') {
          continue;
        }
        const raw = makeString(value).trim();
        if (!raw) {
          continue;
        }
        let hashed = '';
        if (isSha256Hex(raw)) {
          hashed = raw.toLowerCase();
        } else {
          const normalised = normalise(raw);
          if (normalised) {
            hashed = sha256Sync(normalised, {outputEncoding: 'hex'});
          }
        }
        if (hashed && out.indexOf(hashed) < 0) {
          out.push(hashed);
        }
      }
      return out;
    }

    // normaliseUserField applies the customer-information rules Meta, Snapchat and Pinterest
    // share (protocols.md c.3, d.3, d.4) to one raw value. An empty result drops the value.
    function normaliseUserField(field, raw) {
      const lower = raw.trim().toLowerCase();
      if (field === 'em') {
        return lower;
      }
      if (field === 'ph') {
        return phoneDigits(raw);
      }
      if (field === 'fn' || field === 'ln') {
        return removeAll(lower, PUNCTUATION).trim();
      }
      if (field === 'ge') {
        const gender = keepOnly(lower, LETTERS);
        if (gender === 'f' || gender === 'female') {
          return 'f';
        }
        return gender === 'm' || gender === 'male' ? 'm' : '';
      }
      if (field === 'db') {
        const date = keepOnly(lower, DIGITS);
        const century = date.substring(0, 2);
        return date.length === 8 && (century === '19' || century === '20') ? date : '';
      }
      if (field === 'ct') {
        return removeAll(lower, PUNCTUATION + WHITESPACE + DIGITS);
      }
      if (field === 'st') {
        const state = removeAll(lower, PUNCTUATION + WHITESPACE);
        return hasKey(US_STATES, state) ? US_STATES[state] : state;
      }
      if (field === 'zp') {
        const zip = removeAll(lower, WHITESPACE);
        const isZipPlus4 = zip.length === 10 && zip.charAt(5) === '-' &&
          keepOnly(zip.substring(0, 5) + zip.substring(6), DIGITS).length === 9;
        return isZipPlus4 ? zip.substring(0, 5) : zip;
      }
      if (field === 'country') {
        const country = keepOnly(lower, LETTERS);
        return country.length === 2 ? country : '';
      }
      // external_id and anything else: ids may be case-sensitive, so only trimmed.
      return raw.trim();
    }

    // phoneDigits gives a phone number as country code + national number, digits only. A
    // number written with + or 00 already carries its country code. Otherwise, when
    // default_phone_country_code is set, the number is national: its trunk zeros are dropped
    // and the code put in front. Without it, leading zeros are dropped (Meta SDK behaviour).
    function phoneDigits(raw) {
      const trimmed = text(raw).trim();
      const digits = keepOnly(trimmed, DIGITS);
      if (!digits || trimmed.charAt(0) === '+') {
        return digits;
      }
      if (digits.substring(0, 2) === '00') {
        return digits.substring(2);
      }
      let national = digits;
      while (national.charAt(0) === '0') {
        national = national.substring(1);
      }
      return national ? keepOnly(text(data.default_phone_country_code), DIGITS) + national : '';
    }

    function flatten(list) {
      const out = [];
      appendFlat(out, list);
      return out;
    }

    function appendFlat(out, list) {
      for (let i = 0; i < list.length; i++) {
        const value = list[i];
        if (getType(value) === 'array') {
          appendFlat(out, value);
        } else if (value !== undefined && value !== null) {
          out.push(value);
        }
      }
    }

    function isSha256Hex(value) {
      return value.length === 64 && keepOnly(value.toLowerCase(), HEX).length === 64;
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

    function removeAll(value, unwanted) {
      let i = 0;
      while (i < value.length && unwanted.indexOf(value[i]) < 0) {
        i++;
      }
      if (i === value.length) {
        return value;
      }
      let out = value.substring(0, i);
      for (i++; i < value.length; i++) {
        if (unwanted.indexOf(value[i]) < 0) {
          out += value[i];
        }
      }
      return out;
    }
  }
}

function buildCustomData() {
  const out = {};
  setIf(out, 'value', numberOr(eventData.value, undefined));
  setIf(out, 'currency', text(eventData.currency).trim().toUpperCase());
  const items = getType(eventData.items) === 'array' ? eventData.items : [];
  const ids = [];
  const contents = [];
  let count = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (getType(item) !== 'object') {
      continue;
    }
    let quantity = integerOr(item.quantity, 1);
    if (quantity < 1) {
      quantity = 1;
    }
    count += quantity;
    const id = text(item.item_id).trim() || text(item.id).trim();
    if (!id) {
      continue;
    }
    const content = {id: id, quantity: quantity};
    setIf(content, 'item_price', numberOr(item.price, undefined));
    ids.push(id);
    contents.push(content);
  }
  if (ids.length > 0) {
    out.content_ids = ids;
    out.contents = contents;
    out.content_type = 'product';
  }
  if (count > 0) {
    out.num_items = count;
  }
  setIf(out, 'order_id', transactionId);
  setIf(out, 'search_string', text(eventData.search_term).trim());
  const single = items.length === 1 && getType(items[0]) === 'object' ? items[0] : {};
  setIf(out, 'content_name', text(eventData.content_name).trim() || text(single.item_name).trim());
  setIf(out, 'content_category',
    text(eventData.content_category).trim() || text(single.item_category).trim());
  // x-fb-cd-<name> keys (set by clients that speak Meta's vocabulary) win over the above.
  for (let i = 0; i < customDataKeys.length; i++) {
    setIf(out, customDataKeys[i].substring(8), eventData[customDataKeys[i]]);
  }
  return out;
}

// mappedName: the override parameter, then the event_name_map table, then the built-in
// table; anything else is returned as given (or '' when unknownAsEmpty).
function mappedName(name, builtIn, unknownAsEmpty) {
  const override = text(data.event_name_override).trim();
  if (override) {
    return override;
  }
  if (!name) {
    return '';
  }
  const rows = getType(data.event_name_map) === 'array' ? data.event_name_map : [];
  for (let i = 0; i < rows.length; i++) {
    const row = getType(rows[i]) === 'object' ? rows[i] : {};
    const to = text(row.to).trim();
    if (to && text(row.from).trim() === name) {
      return to;
    }
  }
  if (hasKey(builtIn, name)) {
    return builtIn[name];
  }
  return unknownAsEmpty ? '' : name;
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

// consentPolicy applies tagd's advertising consent rules. Denied ad_user_data: no customer
// information (hashed fields, external ids, IP address). Denied ad_storage: the event is not
// sent, or with ad_storage_denied = 'anonymous' it is sent without cookie and click ids.
// No signal counts as granted (consent mode not in use).
function consentPolicy() {
  if (!flag(data.respect_consent, true)) {
    return {send: true, userData: true, identifiers: true};
  }
  const storageDenied = consentState('ad_storage') === 'denied';
  return {
    send: !storageDenied || text(data.ad_storage_denied).trim() === 'anonymous',
    userData: consentState('ad_user_data') !== 'denied',
    identifiers: !storageDenied
  };
}

// firstCookie returns the first value of a request cookie, or ''.
function firstCookie(name) {
  const values = getCookieValues(name);
  return getType(values) === 'array' && values.length > 0 ? text(values[0]).trim() : '';
}

// Unix seconds. event_time in event data may be seconds or milliseconds.
function eventTime() {
  let time = numberOr(eventData.event_time, 0);
  if (!(time > 0)) {
    time = getTimestampMillis();
  }
  if (time > 100000000000) {
    time = time / 1000;
  }
  return Math.floor(time);
}

// queryParam returns the first value of a query parameter of an absolute URL, or ''.
function queryParam(pageUrl, name) {
  if (!pageUrl) {
    return '';
  }
  const parsed = parseUrl(pageUrl);
  if (!parsed || getType(parsed.searchParams) !== 'object' || !hasKey(parsed.searchParams, name)) {
    return '';
  }
  const value = parsed.searchParams[name];
  return text(getType(value) === 'array' ? value[0] : value).trim();
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

// A finite number from a number or numeric string, else fallback.
function numberOr(value, fallback) {
  let number = value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!trimmed) {
      return fallback;
    }
    number = makeNumber(trimmed);
  } else if (typeof value !== 'number') {
    return fallback;
  }
  return typeof number === 'number' && number === number &&
    number !== 1 / 0 && number !== -1 / 0 ? number : fallback;
}

function integerOr(value, fallback) {
  const number = numberOr(value, undefined);
  return number === undefined ? fallback : makeInteger(number);
}

// Checkbox values may arrive as booleans or, from hand-written configs, as strings.
function flag(value, fallback) {
  if (value === true || value === 'true') {
    return true;
  }
  if (value === false || value === 'false') {
    return false;
  }
  return fallback;
}

function setIf(obj, key, value) {
  if (value !== undefined && value !== null && value !== '') {
    obj[key] = value;
  }
}

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
                "string": "https://graph.facebook.com/"
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
        "publicId": "get_cookies",
        "versionId": "1"
      },
      "param": [
        {
          "key": "cookieAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "cookieNames",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "_fbp"
              },
              {
                "type": 1,
                "string": "_fbc"
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
        "publicId": "logging",
        "versionId": "1"
      },
      "param": [
        {
          "key": "environments",
          "value": {
            "type": 1,
            "string": "all"
          }
        }
      ]
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: hashes match the worked values and the request goes to the Graph API
  code: |-
    mock('getAllEventData', {
      event_name: 'purchase',
      user_data: {
        email_address: ' Jane.Doe@Example.com ',
        phone_number: '+1 (555) 123-4567',
        address: {first_name: 'Jane', city: 'San Francisco', postal_code: '94107-1234', country: 'US'}
      },
      'x-fb-ud-ge': 'F'
    });
    respond(200, '{"events_received":1,"messages":[],"fbtrace_id":"AbCdEf123"}');
    runCode(config({}));
    assertThat(request.url).isEqualTo('https://graph.facebook.com/v21.0/1234567890/events?access_token=EAAB%2Btoken%2F1');
    assertThat(request.options).isEqualTo({method: 'POST', headers: {'Content-Type': 'application/json'}});
    const ud = sentEvent().user_data;
    assertThat(ud.em).isEqualTo('86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d');
    assertThat(ud.ph).isEqualTo('d6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a');
    assertThat(ud.fn).isEqualTo('81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2');
    assertThat(ud.ge).isEqualTo('252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111');
    assertThat(ud.ct).isEqualTo('1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac');
    assertThat(ud.zp).isEqualTo('c884a209ebe08750a7d13db63bd02233b375bd79786cbe329ab11586cc35dead');
    assertThat(ud.country).isEqualTo('79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621');
    callLater(() => {
      assertApi('gtmOnSuccess').wasCalled();
      assertApi('gtmOnFailure').wasNotCalled();
    });
- name: a purchase produces the complete expected body
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{"events_received":1}');
    runCode(config({}));
    assertThat(request.body).isEqualTo({data: [{
      event_name: 'Purchase',
      event_time: 1716200000,
      event_id: 'evt-T-1001',
      event_source_url: 'https://shop.example/checkout/thanks?order=T-1001',
      referrer_url: 'https://shop.example/checkout',
      action_source: 'website',
      user_data: {
        em: '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
        ph: 'd6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a',
        fn: '81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2',
        ln: '799ef92a11af918e3fb741df42934f3b568ed2d93ac1df74f1b8d41a27932a6f',
        ge: '252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111',
        ct: '1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac',
        st: '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126',
        zp: 'c884a209ebe08750a7d13db63bd02233b375bd79786cbe329ab11586cc35dead',
        country: '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621',
        external_id: 'fafe5e551759817bdc65038b8cb1a8263b1a8b3b60c269d67ff0f8c57ae0f733',
        client_ip_address: '198.51.100.23',
        client_user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
        fbc: 'fb.1.1716199000123.IwAR2F4-dbP0',
        fbp: 'fb.1.1716199000123.1187654321'
      },
      custom_data: {
        value: 59.98,
        currency: 'USD',
        content_ids: ['SKU-1', 'SKU-2'],
        contents: [{id: 'SKU-1', quantity: 2, item_price: 19.99}, {id: 'SKU-2', quantity: 1, item_price: 20}],
        content_type: 'product',
        num_items: 3,
        order_id: 'T-1001'
      }
    }]});
    assertApi('getCookieValues').wasNotCalled();
- name: GA4 names map to Meta standard events, unknown names pass through
  code: |-
    const cases = [
      ['page_view', 'PageView'], ['view_item', 'ViewContent'], ['view_item_list', 'view_item_list'],
      ['search', 'Search'], ['add_to_cart', 'AddToCart'], ['add_to_wishlist', 'AddToWishlist'],
      ['begin_checkout', 'InitiateCheckout'], ['add_payment_info', 'AddPaymentInfo'],
      ['purchase', 'Purchase'], ['generate_lead', 'Lead'], ['sign_up', 'CompleteRegistration'],
      ['contact', 'Contact'], ['subscribe', 'Subscribe'], ['start_trial', 'StartTrial'],
      ['quiz_done', 'quiz_done'], ['toString', 'toString']
    ];
    respond(200, '{}');
    cases.forEach((c) => {
      mock('getAllEventData', {event_name: c[0]});
      runCode(config({}));
      assertThat(sentEvent().event_name, c[0]).isEqualTo(c[1]);
    });
- name: the mapping table wins over built-in names and the override wins over both
  code: |-
    respond(200, '{}');
    const table = [{from: 'generate_lead', to: 'SubmitApplication'}, {from: 'view_item_list', to: 'ViewContent'}, {from: 'x', to: ''}];
    mock('getAllEventData', {event_name: 'generate_lead'});
    runCode(config({event_name_map: table}));
    assertThat(sentEvent().event_name).isEqualTo('SubmitApplication');
    mock('getAllEventData', {event_name: 'view_item_list'});
    runCode(config({event_name_map: table}));
    assertThat(sentEvent().event_name).isEqualTo('ViewContent');
    mock('getAllEventData', {event_name: 'x'});
    runCode(config({event_name_map: table}));
    assertThat(sentEvent().event_name).isEqualTo('x');
    mock('getAllEventData', {event_name: 'generate_lead'});
    runCode(config({event_name_map: table, event_name_override: 'Schedule'}));
    assertThat(sentEvent().event_name).isEqualTo('Schedule');
- name: hashed inputs pass through lower-cased, arrays and address lists are hashed per value
  code: |-
    mock('getAllEventData', {
      event_name: 'sign_up',
      user_data: {
        email_address: ['a@example.com', ' A@Example.com ', 'B@example.com', ''],
        sha256_phone_number: 'D6736136EA896C1BFDC553E0E86E702C70D060D805696CA3E4E9E0961353860A',
        address: [{first_name: 'Mary-Jane', last_name: "O'Brien", region: 'C.A.'}, {first_name: 'Ann'}],
        date_of_birth: '1990-05-17',
        gender: 'Female'
      },
      'x-fb-ud-ph': '',
      'x-fb-ud-external_id': '  User-42 '
    });
    respond(200, '{}');
    runCode(config({}));
    const ud = sentEvent().user_data;
    assertThat(ud.em).isEqualTo([
      '08168cd80dfd534ab0f10af10f1303fe00af2d43ab5c1432360d137f8197e17a',
      'e8f39b3e1382367d6d41ab34dc270d4e7533f978c9e9a775dfe2185b2f96b96c'
    ]);
    assertThat(ud.ph).isEqualTo('d6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a');
    assertThat(ud.fn).isEqualTo([
      'f08f448a5e7a9dc3619bb7c129f6a7d5fc6af002cea17ad71dfdc1c68f4d4e0e',
      '49915e0d7d4b402e3017d010bc1c0e83cac6c797d6c16e66340fe3268693a6a1'
    ]);
    assertThat(ud.ln).isEqualTo('b4cb6cb33fe4b865868de825023a1e2790dc12ac01ecc8d7c5afe8254071c8ba');
    assertThat(ud.st).isEqualTo('6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126');
    assertThat(ud.db).isEqualTo('7eaa6e2f3dca12acc11ad21625299f660e38a7510de1e12cf2013dd5274d2926');
    assertThat(ud.ge).isEqualTo('252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111');
    assertThat(ud.external_id).isEqualTo('fafe5e551759817bdc65038b8cb1a8263b1a8b3b60c269d67ff0f8c57ae0f733');
- name: phone numbers lose the 00 prefix; unusable values are dropped
  code: |-
    mock('getAllEventData', {
      event_name: 'contact',
      user_data: {
        phone_number: '0049 151 1234-5678',
        gender: 'unknown',
        date_of_birth: '17/05/90',
        address: {country: 'Germany', postal_code: ' 10115 ', city: 'Berlin 10'}
      }
    });
    respond(200, '{}');
    runCode(config({}));
    const ud = sentEvent().user_data;
    assertThat(ud.ph).isEqualTo('8efb96404be52f6109b9db0f687274a81e9e3cc23fabd6f0da5d38baa3d2facd');
    assertThat(ud.zp).isEqualTo('ac7bb74de6884ffce919c15fef4193749d4588026c643973946713ac46da540d');
    assertThat(ud.ct).isEqualTo('fb38a93fd89e1a5fc7852a5d7109e321d23a721a1899292273ac5a21dc4db378');
    assertThat(ud.ge).isUndefined();
    assertThat(ud.db).isUndefined();
    assertThat(ud.country).isUndefined();
- name: with send_pii off only ip, user agent, fbp and fbc are sent
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{}');
    runCode(config({send_pii: false}));
    assertThat(sentEvent().user_data).isEqualTo({
      client_ip_address: '198.51.100.23',
      client_user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
      fbc: 'fb.1.1716199000123.IwAR2F4-dbP0',
      fbp: 'fb.1.1716199000123.1187654321'
    });
    assertThat(sentEvent().custom_data.order_id).isEqualTo('T-1001');
- name: fbp and fbc come from cookies when event data has none
  code: |-
    mock('getAllEventData', {event_name: 'page_view', page_location: 'https://shop.example/'});
    mock('getCookieValues', (name) => name === '_fbp' ? ['fb.1.1716199000000.555'] : ['fb.1.1716199000000.IwOld']);
    respond(200, '{}');
    runCode(config({}));
    assertThat(sentEvent().user_data).isEqualTo({fbc: 'fb.1.1716199000000.IwOld', fbp: 'fb.1.1716199000000.555'});
    assertApi('getCookieValues').wasCalledWith('_fbp');
    assertApi('getCookieValues').wasCalledWith('_fbc');
- name: fbc is built from fbclid when missing or when the click id changed, kept when it matches
  code: |-
    mock('getTimestampMillis', 1716200000123);
    respond(200, '{}');
    const landing = 'https://shop.example/p?utm_source=fb&fbclid=IwAR2F4-dbP0xyz&x=1';
    mock('getAllEventData', {event_name: 'page_view', page_location: landing});
    runCode(config({}));
    assertThat(sentEvent().user_data.fbc).isEqualTo('fb.1.1716200000123.IwAR2F4-dbP0xyz');
    assertThat(sentEvent().event_time).isEqualTo(1716200000);
    mock('getAllEventData', {event_name: 'page_view', page_location: landing, 'x-fb-ck-fbc': 'fb.1.1716100000000.IwAR2F4-dbP0xyz.AQ'});
    runCode(config({}));
    assertThat(sentEvent().user_data.fbc).isEqualTo('fb.1.1716100000000.IwAR2F4-dbP0xyz.AQ');
    mock('getAllEventData', {event_name: 'page_view', page_location: landing, _fbc: 'fb.1.1716100000000.IwOlderClick'});
    runCode(config({}));
    assertThat(sentEvent().user_data.fbc).isEqualTo('fb.1.1716200000123.IwAR2F4-dbP0xyz');
    const dotted = 'https://shop.example/p?fbclid=Iw.AR.9';
    mock('getAllEventData', {event_name: 'page_view', page_location: dotted, _fbc: 'fb.1.1716100000000.Iw.AR.9'});
    runCode(config({}));
    assertThat(sentEvent().user_data.fbc).isEqualTo('fb.1.1716100000000.Iw.AR.9');
    mock('getAllEventData', {event_name: 'page_view', page_location: dotted, _fbc: 'fb.1.1716100000000.Iw.AR.9.AQ'});
    runCode(config({}));
    assertThat(sentEvent().user_data.fbc).isEqualTo('fb.1.1716100000000.Iw.AR.9.AQ');
    mock('getAllEventData', {event_name: 'page_view', page_location: dotted, _fbc: 'fb.1.1716100000000.Iw.AR'});
    runCode(config({}));
    assertThat(sentEvent().user_data.fbc).isEqualTo('fb.1.1716200000123.Iw.AR.9');
- name: event_time accepts seconds or milliseconds and falls back to the clock
  code: |-
    mock('getTimestampMillis', 1716300000999);
    respond(200, '{}');
    mock('getAllEventData', {event_name: 'purchase', event_time: 1716200000123});
    runCode(config({}));
    assertThat(sentEvent().event_time).isEqualTo(1716200000);
    mock('getAllEventData', {event_name: 'purchase', event_time: '1716200001'});
    runCode(config({}));
    assertThat(sentEvent().event_time).isEqualTo(1716200001);
    mock('getAllEventData', {event_name: 'purchase', event_time: 'yesterday'});
    runCode(config({}));
    assertThat(sentEvent().event_time).isEqualTo(1716300000);
- name: event_id falls back to transaction_id; empty fields are omitted
  code: |-
    respond(200, '{}');
    mock('getAllEventData', {event_name: 'purchase', transaction_id: 'T-9', event_time: 1716200000});
    runCode(config({}));
    assertThat(request.body).isEqualTo({data: [{
      event_name: 'Purchase', event_time: 1716200000, event_id: 'T-9', action_source: 'website',
      custom_data: {order_id: 'T-9'}
    }]});
    mock('getAllEventData', {event_name: 'page_view', event_time: 1716200000, page_referrer: ''});
    runCode(config({action_source: 'app'}));
    assertThat(request.body).isEqualTo({data: [{event_name: 'PageView', event_time: 1716200000, action_source: 'app'}]});
- name: custom_data covers search, single items and x-fb-cd overrides
  code: |-
    respond(200, '{}');
    mock('getAllEventData', {event_name: 'search', search_term: 'blue mug', event_time: 1716200000});
    runCode(config({}));
    assertThat(sentEvent().custom_data).isEqualTo({search_string: 'blue mug'});
    mock('getAllEventData', {
      event_name: 'view_item', value: '19.99', currency: 'eur', event_time: 1716200000,
      items: [{item_id: 'SKU-1', item_name: 'Blue Mug', item_category: 'Kitchen', price: '19.99'}],
      'x-fb-cd-content_type': 'product_group', 'x-fb-cd-predicted_ltv': 120
    });
    runCode(config({}));
    assertThat(sentEvent().custom_data).isEqualTo({
      value: 19.99, currency: 'EUR', content_ids: ['SKU-1'], contents: [{id: 'SKU-1', quantity: 1, item_price: 19.99}],
      content_type: 'product_group', num_items: 1, content_name: 'Blue Mug', content_category: 'Kitchen',
      predicted_ltv: 120
    });
- name: test_event_code, partner_agent, LDU and a bare API version are honoured
  code: |-
    mock('getAllEventData', {event_name: 'lead_form', event_time: 1716200000});
    respond(200, '{}');
    runCode(config({api_version: '22.0', test_event_code: 'TEST123', partner_agent: 'tagd',
                    data_processing_options: true, dpo_country: '1', dpo_state: '1000'}));
    assertThat(request.url).isEqualTo('https://graph.facebook.com/v22.0/1234567890/events?access_token=EAAB%2Btoken%2F1');
    assertThat(request.body).isEqualTo({
      data: [{
        event_name: 'lead_form', event_time: 1716200000, action_source: 'website',
        data_processing_options: ['LDU'], data_processing_options_country: 1, data_processing_options_state: 1000
      }],
      test_event_code: 'TEST123',
      partner_agent: 'tagd'
    });
- name: a Graph API error is logged with message, code and fbtrace_id and fails the tag
  code: |-
    let line;
    mock('logToConsole', (arg) => { line = arg; });
    mock('getAllEventData', {event_name: 'purchase'});
    respond(400, '{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"AbCdEf123"}}');
    runCode(config({}));
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
      assertThat(line).isEqualTo({
        message: 'meta-capi: Meta rejected the event', event_name: 'Purchase', status: 400,
        error_message: 'Invalid OAuth access token.', error_code: 190, fbtrace_id: 'AbCdEf123'
      });
    });
- name: a non-JSON error answer is logged with its body
  code: |-
    mock('getAllEventData', {event_name: 'purchase'});
    respond(502, 'Bad Gateway');
    runCode(config({}));
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('logToConsole').wasCalledWith({
        message: 'meta-capi: Meta rejected the event', event_name: 'Purchase', status: 502, body: 'Bad Gateway'
      });
    });
- name: a network failure fails the tag
  code: |-
    mock('getAllEventData', {event_name: 'purchase'});
    mock('sendHttpRequest', () => Promise.create((resolve, reject) => reject({reason: 'failed'})));
    runCode(config({}));
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('logToConsole').wasCalledWith({message: 'meta-capi: request failed', event_name: 'Purchase', reason: 'failed'});
    });
- name: missing pixel id, token or event name fails without a request
  code: |-
    respond(200, '{}');
    mock('getAllEventData', {event_name: 'purchase'});
    runCode(config({pixel_id: ''}));
    runCode(config({access_token: undefined}));
    assertApi('logToConsole').wasCalledWith({message: 'meta-capi: pixel_id and access_token are required'});
    mock('getAllEventData', {client_id: '1.2'});
    runCode(config({}));
    assertApi('logToConsole').wasCalledWith({message: 'meta-capi: the event has no event_name'});
    assertApi('sendHttpRequest').wasNotCalled();
    assertApi('gtmOnFailure').wasCalled();
    assertApi('gtmOnSuccess').wasNotCalled();
- name: denied ad_storage skips the event unless anonymous sending is chosen
  code: |-
    respond(200, '{}');
    const denied = {};
    Object.keys(purchaseEvent).forEach((key) => { denied[key] = purchaseEvent[key]; });
    denied.consent_state = {ad_storage: 'denied', analytics_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'denied'};
    mock('getAllEventData', denied);
    runCode(config({}));
    assertApi('sendHttpRequest').wasNotCalled();
    assertApi('gtmOnSuccess').wasCalled();
    assertApi('logToConsole').wasCalledWith({message: 'meta-capi: ad_storage consent denied, event not sent', event_name: 'Purchase'});
    runCode(config({ad_storage_denied: 'anonymous'}));
    const ud = sentEvent().user_data;
    assertThat(ud.fbp).isUndefined();
    assertThat(ud.fbc).isUndefined();
    assertThat(ud.em).isEqualTo('86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d');
    assertThat(ud.client_ip_address).isEqualTo('198.51.100.23');
- name: denied ad_user_data sends no customer information and no IP address
  code: |-
    respond(200, '{}');
    const denied = {};
    Object.keys(purchaseEvent).forEach((key) => { denied[key] = purchaseEvent[key]; });
    denied['x-ga-gcd'] = '11t1t1p1p1';
    mock('getAllEventData', denied);
    runCode(config({}));
    assertThat(sentEvent().user_data).isEqualTo({
      client_user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
      fbc: 'fb.1.1716199000123.IwAR2F4-dbP0',
      fbp: 'fb.1.1716199000123.1187654321'
    });
    assertThat(sentEvent().custom_data.value).isEqualTo(59.98);
- name: the raw gcs string counts and respect_consent off ignores every signal
  code: |-
    respond(200, '{}');
    mock('getAllEventData', {event_name: 'purchase', 'x-ga-gcs': 'G100', user_data: {email_address: 'jane.doe@example.com'}});
    runCode(config({}));
    assertApi('sendHttpRequest').wasNotCalled();
    mock('getAllEventData', {event_name: 'purchase', 'x-ga-gcs': 'G100', consent: {ad_user_data: 'DENIED'},
      user_data: {email_address: 'jane.doe@example.com'}, 'x-fb-ck-fbp': 'fb.1.1.2'});
    runCode(config({respect_consent: false}));
    assertThat(sentEvent().user_data).isEqualTo({
      em: '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d', fbp: 'fb.1.1.2'
    });
- name: national phone numbers take the default country code; US state names become codes
  code: |-
    respond(200, '{}');
    mock('getAllEventData', {event_name: 'lead', user_data: {phone_number: '020 7946 0018', address: {region: 'California'}}});
    runCode(config({default_phone_country_code: '+44'}));
    assertThat(sentEvent().user_data.ph).isEqualTo('99a4599795d24445a5be21117f375c1bbe9e795daf7f62666686ce081e1f32dc');
    assertThat(sentEvent().user_data.st).isEqualTo('6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126');
    mock('getAllEventData', {event_name: 'lead', user_data: {phone_number: ['+49 151 12345678', '0151 12345678']}});
    runCode(config({}));
    assertThat(sentEvent().user_data.ph).isEqualTo([
      '8efb96404be52f6109b9db0f687274a81e9e3cc23fabd6f0da5d38baa3d2facd',
      '866a70ca2bdaec40882beedfd72f8f6a0180a7a31cc152b8bfd1cf2a102c0a6f'
    ]);
- name: the default Graph API version is v24.0 and Meta's error message fails the tag
  code: |-
    mock('getAllEventData', {event_name: 'purchase'});
    respond(400, '{"error":{"message":"Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"X"}}');
    runCode({pixel_id: '42', access_token: 't'});
    assertThat(request.url).isEqualTo('https://graph.facebook.com/v24.0/42/events?access_token=t');
    callLater(() => {
      assertApi('gtmOnFailure').wasCalledWith('meta-capi: HTTP 400: Invalid parameter (code 100)');
    });
- name: flat customer-data keys or a user_id alone are found without a user_data object
  code: |-
    respond(200, '{}');
    mock('getAllEventData', {
      event_name: 'lead',
      'user_data.email_address': ' Jane.Doe@Example.com ',
      'x-fb-ud-ph': '+1 (555) 123-4567'
    });
    runCode(config({}));
    assertThat(sentEvent().user_data).isEqualTo({
      em: '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
      ph: 'd6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a'
    });
    mock('getAllEventData', {event_name: 'lead', user_id: 'User-42'});
    runCode(config({}));
    assertThat(sentEvent().user_data).isEqualTo({
      external_id: 'fafe5e551759817bdc65038b8cb1a8263b1a8b3b60c269d67ff0f8c57ae0f733'
    });
- name: items without an object or an id still count; a bare x-fb-cd- key is ignored
  code: |-
    mock('getAllEventData', {
      event_name: 'add_to_cart', event_time: 1716200000,
      items: ['junk', {item_name: 'No id', quantity: 2}, {id: 'ALT-1', quantity: '0', price: 'x'}],
      'x-fb-cd-': 'ignored', 'x-fb-cd-status': 'ok'
    });
    respond(200, '{}');
    runCode(config({}));
    assertThat(sentEvent().custom_data).isEqualTo({
      content_ids: ['ALT-1'], contents: [{id: 'ALT-1', quantity: 1}], content_type: 'product',
      num_items: 3, status: 'ok'
    });
- name: an fbclid whose name is percent-encoded in the landing URL still counts
  code: |-
    mock('getTimestampMillis', 1716200000123);
    mock('getAllEventData', {event_name: 'page_view', page_location: 'https://shop.example/p?fb%63lid=IwAR9'});
    respond(200, '{}');
    runCode(config({}));
    assertThat(sentEvent().user_data.fbc).isEqualTo('fb.1.1716200000123.IwAR9');
- name: user_data given as a list (lists inside lists too) is read from every object in it
  code: |-
    mock('getAllEventData', {
      event_name: 'lead',
      user_data: [{email_address: 'Jane.Doe@Example.com'}, null, [{address: [[{city: 'San Francisco'}], 'x']}]]
    });
    respond(200, '{}');
    runCode(config({}));
    assertThat(sentEvent().user_data).isEqualTo({
      em: '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
      ct: '1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac'
    });
setup: |-
  const JSON = require('JSON');
  const Object = require('Object');
  const Promise = require('Promise');
  const callLater = require('callLater');
  let request;
  // Records the request (body parsed) and answers with the given status and body.
  const respond = (status, responseBody) => {
    mock('sendHttpRequest', (url, options, body) => {
      request = {url: url, options: options, body: JSON.parse(body)};
      return Promise.create((resolve) => resolve({statusCode: status, headers: {}, body: responseBody}));
    });
  };
  const sentEvent = () => request.body.data[0];
  const config = (extra) => {
    const params = {pixel_id: '1234567890', access_token: 'EAAB+token/1', api_version: 'v21.0',
                    action_source: 'website', send_pii: true, data_processing_options: false};
    Object.keys(extra).forEach((key) => { params[key] = extra[key]; });
    return params;
  };
  const purchaseEvent = {
    event_name: 'purchase',
    event_id: 'evt-T-1001',
    event_time: 1716200000,
    page_location: 'https://shop.example/checkout/thanks?order=T-1001',
    page_referrer: 'https://shop.example/checkout',
    ip_override: '198.51.100.23',
    user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
    user_id: 'User-42',
    currency: 'usd',
    value: 59.98,
    transaction_id: 'T-1001',
    items: [
      {item_id: 'SKU-1', item_name: 'Blue Mug', price: 19.99, quantity: 2},
      {item_id: 'SKU-2', item_name: 'Green Tea', price: 20, quantity: 1}
    ],
    user_data: {
      email_address: ' Jane.Doe@Example.com ',
      phone_number: '+1 (555) 123-4567',
      address: {
        first_name: 'Jane', last_name: 'Doe', city: 'San Francisco', region: 'CA',
        postal_code: '94107-1234', country: 'US'
      }
    },
    'x-fb-ud-ge': 'F',
    'x-fb-ck-fbp': 'fb.1.1716199000123.1187654321',
    'x-fb-ck-fbc': 'fb.1.1716199000123.IwAR2F4-dbP0'
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
