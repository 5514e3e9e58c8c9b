___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Google Analytics 4",
  "categories": [
    "ANALYTICS"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Forwards each event to Google Analytics 4, like sGTM's GA4 tag: re-encoded for the GA4 collection endpoint (/g/collect) with the browser's ids, consent and client hints, or sent with the Measurement Protocol and an API secret. Parameters, user properties and items pass through; parameters can be added, overridden and removed.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "measurement_id",
    "displayName": "Measurement ID",
    "simpleValueType": true,
    "valueHint": "G-XXXXXXX",
    "alwaysInSummary": true,
    "help": "The GA4 measurement id (G-XXXXXXX). Empty: the event's x-ga-measurement_id (the id the browser sent to the GA4 client)."
  },
  {
    "type": "SELECT",
    "name": "transport",
    "displayName": "Send to",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "collect",
        "displayValue": "GA4 collection endpoint (/g/collect, like sGTM's GA4 tag)"
      },
      {
        "value": "mp",
        "displayValue": "Measurement Protocol (/mp/collect with api_secret)"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "collect",
    "help": "Collection endpoint: the event is re-encoded in the gtag protocol with the browser's client id, session, consent strings, client hints and user agent. Measurement Protocol: a JSON body, authorised by an API secret; it cannot carry analytics_storage consent or session attribution as fully."
  },
  {
    "type": "TEXT",
    "name": "api_secret",
    "displayName": "API secret",
    "simpleValueType": true,
    "enablingConditions": [
      {
        "paramName": "transport",
        "paramValue": "mp",
        "type": "EQUALS"
      }
    ],
    "help": "Measurement Protocol API secret (GA4 Admin, Data streams, Measurement Protocol API secrets). Required when sending via the Measurement Protocol."
  },
  {
    "type": "SELECT",
    "name": "server",
    "displayName": "Server",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "global",
        "displayValue": "www.google-analytics.com"
      },
      {
        "value": "eu",
        "displayValue": "region1.google-analytics.com (EU)"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "global",
    "help": "Collection host. The EU host keeps collection in the EU."
  },
  {
    "type": "TEXT",
    "name": "event_name_override",
    "displayName": "Event name override",
    "simpleValueType": true,
    "help": "Optional. Send every event under this name instead of its event_name."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "params_add",
    "displayName": "Event parameters to add or override",
    "simpleTableColumns": [
      {
        "defaultValue": "",
        "displayName": "Parameter name",
        "name": "name",
        "type": "TEXT",
        "isUnique": true
      },
      {
        "defaultValue": "",
        "displayName": "Value",
        "name": "value",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add parameter",
    "help": "Rows are added to the event's parameters and win over event data of the same name. Values keep the type a {{variable}} resolves to (numbers go out as epn.)."
  },
  {
    "type": "TEXT",
    "name": "params_remove",
    "displayName": "Event parameters to remove",
    "simpleValueType": true,
    "textAsList": true,
    "lineCount": 3,
    "valueHint": "email\nphone",
    "help": "Parameter names (one per line) never sent, e.g. parameters holding personal data."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "user_properties_add",
    "displayName": "User properties to add or override",
    "simpleTableColumns": [
      {
        "defaultValue": "",
        "displayName": "User property",
        "name": "name",
        "type": "TEXT",
        "isUnique": true
      },
      {
        "defaultValue": "",
        "displayName": "Value",
        "name": "value",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add user property",
    "help": "Rows are added to the user properties from the event (x-ga-mp2-user_properties or user_properties) and win over them."
  },
  {
    "type": "TEXT",
    "name": "user_properties_remove",
    "displayName": "User properties to remove",
    "simpleValueType": true,
    "textAsList": true,
    "lineCount": 3,
    "help": "User property names (one per line) never sent."
  },
  {
    "type": "CHECKBOX",
    "name": "redact_ip",
    "checkboxText": "Do not send the visitor's IP address",
    "displayName": "IP address",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Leaves out _uip (collection) or ip_override (Measurement Protocol); Google then geolocates from the tagging server's address."
  },
  {
    "type": "CHECKBOX",
    "name": "send_user_data",
    "checkboxText": "Send hashed user-provided data (Measurement Protocol)",
    "displayName": "User-provided data",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Adds user_data (hashed email, phone, name and street; city, region, postal code and country in clear) to Measurement Protocol requests, unless ad_user_data is denied. Needs user-provided data collection turned on in GA4."
  },
  {
    "type": "SELECT",
    "name": "analytics_storage_denied",
    "displayName": "When analytics_storage is denied",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "forward",
        "displayValue": "Send; Google receives the consent state"
      },
      {
        "value": "skip",
        "displayValue": "Do not send the event"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "forward",
    "help": "With the collection endpoint the consent strings (gcs/gcd) travel with the event and Google applies consent mode. The Measurement Protocol has no field for analytics_storage, so choose 'Do not send' there if denied events must not reach GA4."
  },
  {
    "type": "CHECKBOX",
    "name": "validate_only",
    "checkboxText": "Debug / validate",
    "displayName": "Debug",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Collection endpoint: adds _dbg=1 so the event shows in DebugView. Measurement Protocol: posts to /debug/mp/collect, records nothing, and fails the tag with Google's validation messages."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Object = require('Object');
const encodeUriComponent = require('encodeUriComponent');
const getAllEventData = require('getAllEventData');
const getType = require('getType');
const logToConsole = require('logToConsole');
const makeNumber = require('makeNumber');
const makeString = require('makeString');
const sendHttpRequest = require('sendHttpRequest');
const sha256Sync = require('sha256Sync');

const MAX_LOGGED_BODY = 1000;
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';

const eventData = getAllEventData() || {};

const transport = text(data.transport).trim() === 'mp' ? 'mp' : 'collect';
const measurementId = text(data.measurement_id).trim() || text(eventData['x-ga-measurement_id']).trim();
const apiSecret = transport === 'mp' ? text(data.api_secret).trim() : '';
const eventName = text(data.event_name_override).trim() || text(eventData.event_name).trim();
if (!measurementId) {
  return fail('no measurement_id (set it, or let the event carry x-ga-measurement_id)');
}
if (transport === 'mp' && !apiSecret) {
  return fail('the Measurement Protocol needs api_secret');
}
if (!eventName) {
  return fail('the event has no event_name');
}
// The setting first: the consent lookup only matters when it says skip.
if (text(data.analytics_storage_denied).trim() === 'skip' && consentState('analytics_storage') === 'denied') {
  logToConsole({message: 'ga4: analytics_storage consent denied, event not sent', event_name: eventName});
  return data.gtmOnSuccess();
}
const clientId = text(eventData.client_id).trim() || text(eventData['x-ga-temp_client_id']).trim();
const ip = flag(data.redact_ip, false) ? '' : text(eventData.ip_override).trim();
const host = text(data.server).trim() === 'eu' ? 'https://region1.google-analytics.com' : 'https://www.google-analytics.com';
const validate = flag(data.validate_only, false);
const params = eventParams();
const userProperties = userProps();

let url;
let options;
let body;
if (transport === 'mp') {
  if (!clientId) {
    return fail('the Measurement Protocol needs a client_id');
  }
  url = host + (validate ? '/debug/mp/collect' : '/mp/collect') + '?measurement_id=' +
    encodeUriComponent(measurementId) + '&api_secret=' + encodeUriComponent(apiSecret);
  options = {method: 'POST', headers: {'Content-Type': 'application/json'}};
  body = JSON.stringify(mpBody());
} else {
  url = host + '/g/collect?' + collectQuery();
  options = {method: 'POST', headers: {}};
  setIf(options.headers, 'User-Agent', text(eventData.user_agent));
}

sendHttpRequest(url, options, body).then((result) => {
  if (result.statusCode < 200 || result.statusCode >= 300) {
    logToConsole({message: 'ga4: Google Analytics answered with an error', event_name: eventName,
      status: result.statusCode, body: text(result.body).substring(0, MAX_LOGGED_BODY)});
    data.gtmOnFailure('ga4: HTTP ' + makeString(result.statusCode));
    return;
  }
  if (transport === 'mp' && validate) {
    const parsed = JSON.parse(text(result.body));
    const messages = getType(parsed) === 'object' && getType(parsed.validationMessages) === 'array' ?
      parsed.validationMessages : [];
    if (messages.length > 0) {
      const descriptions = messages.map((m) => text(m && m.description) + ' [' + text(m && m.validationCode) + ']');
      logToConsole({message: 'ga4: Measurement Protocol validation failed', event_name: eventName, validation: descriptions});
      data.gtmOnFailure('ga4: ' + descriptions.join('; '));
      return;
    }
  }
  data.gtmOnSuccess();
}, (err) => {
  const reason = text(err && err.reason) || 'failed';
  logToConsole({message: 'ga4: request failed', event_name: eventName, reason: reason});
  data.gtmOnFailure('ga4: request ' + reason);
});

function fail(reason) {
  logToConsole({message: 'ga4: ' + reason});
  data.gtmOnFailure('ga4: ' + reason);
}

// This template runs on every event, so the code below avoids costs that add up in the
// sandbox on every run: every function declaration and closure is created anew (so
// plain loops instead of forEach/map/filter callbacks, and Measurement Protocol helpers
// live inside mpBody), string methods and native calls where typeof or a comparison
// answers (getType is needed only to tell objects from arrays and null), and tables
// built before they are needed.

// Event parameters: every event data key that is not in notParams, not internal (x-, _)
// and a plain value, then the configured additions/overrides, minus the removals.
function eventParams() {
  // Event data keys that are not event parameters: identity, request facts and data that
  // has its own place in the protocol.
  const notParams = ['event_name', 'client_id', 'user_id', 'ip_override', 'user_agent', 'page_location',
    'page_referrer', 'page_title', 'language', 'screen_resolution', 'ga_session_id', 'ga_session_number',
    'engagement_time_msec', 'currency', 'items', 'user_data', 'user_properties', 'consent_state', 'consent',
    'client_hints', 'event_time', 'timestamp_micros', 'event_id'];
  const out = {};
  const keys = Object.keys(eventData);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    // Most keys are excluded by name, so the name is tested before the value is read.
    // Range tests instead of string methods, which cost a call each: a key starts with
    // 'x-' exactly when 'x-' <= key < 'x.', and with '_' when '_' <= key < '`'.
    if ((key >= 'x-' && key < 'x.') || (key >= '_' && key < '`') || notParams.indexOf(key) >= 0) {
      continue;
    }
    const value = eventData[key];
    const type = typeof value;
    if (type === 'string' || type === 'number' || type === 'boolean') {
      out[key] = value;
    }
  }
  applySettings(out, data.params_add, data.params_remove);
  return out;
}

// User properties from x-ga-mp2-user_properties (the GA4 client), then user_properties
// for names not yet set, then the configured additions/overrides, minus the removals.
function userProps() {
  const out = {};
  for (let s = 0; s < 2; s++) {
    const source = s === 0 ? eventData['x-ga-mp2-user_properties'] : eventData.user_properties;
    if (typeof source !== 'object' || getType(source) !== 'object') {
      continue;
    }
    const names = Object.keys(source);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      let value = source[name];
      // Measurement Protocol style {value: ...} wrappers are unwrapped.
      if (typeof value === 'object' && getType(value) === 'object') {
        value = value.value;
      }
      const type = typeof value;
      if ((type === 'string' || type === 'number' || type === 'boolean') && !hasKey(out, name)) {
        out[name] = value;
      }
    }
  }
  applySettings(out, data.user_properties_add, data.user_properties_remove);
  return out;
}

// Applies a settings table of {name, value} rows (rows without a name are ignored, a
// missing value is ''), then deletes the names a textAsList field lists.
function applySettings(out, rows, removals) {
  if (typeof rows === 'object' && getType(rows) === 'array') {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (typeof row === 'object' && getType(row) === 'object') {
        const name = text(row.name).trim();
        if (name !== '') {
          out[name] = row.value === undefined ? '' : row.value;
        }
      }
    }
  }
  // An empty field lists nothing; listOf would only find that out the long way.
  if (removals !== undefined && removals !== null && removals !== '') {
    const names = listOf(removals);
    for (let i = 0; i < names.length; i++) {
      Object.delete(out, names[i]);
    }
  }
}

// The GA4 web collection protocol (protocols.md a): shared fields, then the event.
function collectQuery() {
  const system = eventData['x-ga-system_properties'];
  const flags = typeof system === 'object' && getType(system) === 'object' ? system : {};
  let gcs = text(eventData['x-ga-gcs']);
  if (!gcs) {
    // Rebuilt from the consent state when it knows both storage types.
    const ad = consentState('ad_storage');
    const analytics = consentState('analytics_storage');
    if (ad && analytics) {
      gcs = 'G1' + (ad === 'granted' ? '1' : '0') + (analytics === 'granted' ? '1' : '0');
    }
  }
  let query = 'v=2' + queryPart('&tid=', measurementId) + queryPart('&gtm=', eventData['x-ga-gtm_version']) +
    queryPart('&_p=', eventData['x-ga-page_id']) + queryPart('&gcs=', gcs) + queryPart('&gcd=', eventData['x-ga-gcd']) +
    queryPart('&npa=', eventData['x-ga-npa']) + queryPart('&dma=', eventData['x-ga-dma']) +
    queryPart('&dma_cps=', eventData['x-ga-dma_cps']) + queryPart('&cid=', clientId) +
    queryPart('&uid=', text(eventData.user_id).trim()) + queryPart('&ul=', eventData.language) +
    queryPart('&sr=', eventData.screen_resolution);
  const hints = eventData.client_hints;
  if (typeof hints === 'object' && getType(hints) === 'object') {
    // brand;version pairs joined by |, each brand escaped so it cannot break the list.
    let versions = '';
    const list = hints.full_version_list;
    if (typeof list === 'object' && getType(list) === 'array') {
      for (let i = 0; i < list.length; i++) {
        const entry = list[i];
        if (typeof entry === 'object' && getType(entry) === 'object') {
          versions += (versions === '' ? '' : '|') + encodeUriComponent(text(entry.brand)) + ';' + text(entry.version);
        }
      }
    }
    query += queryPart('&uaa=', hints.architecture) + queryPart('&uab=', hints.bitness) + queryPart('&uafvl=', versions) +
      queryPart('&uamb=', typeof hints.mobile === 'boolean' ? hints.mobile : undefined) + queryPart('&uam=', hints.model) +
      queryPart('&uap=', hints.platform) + queryPart('&uapv=', hints.platform_version) +
      queryPart('&uaw=', typeof hints.wow64 === 'boolean' ? hints.wow64 : undefined);
  }
  query += queryPart('&_uip=', ip) + queryPart('&_s=', eventData['x-ga-request_count']) +
    queryPart('&sid=', eventData.ga_session_id) + queryPart('&sct=', eventData.ga_session_number) +
    queryPart('&seg=', eventData['x-ga-mp2-seg']) + queryPart('&dl=', eventData.page_location) +
    queryPart('&dr=', eventData.page_referrer) + queryPart('&dt=', eventData.page_title) + queryPart('&en=', eventName) +
    queryPart('&_et=', eventData.engagement_time_msec);
  // System flags (true goes out as 1, like every boolean).
  query += queryPart('&_ss=', flags.ss) + queryPart('&_fv=', flags.fv) + queryPart('&_nsi=', flags.nsi) +
    queryPart('&_c=', flags.c) + queryPart('&_ee=', flags.ee);
  if (validate || flags.dbg || flag(eventData.debug_mode, false)) {
    query += '&_dbg=1';
  }
  query += queryPart('&cu=', text(eventData.currency).trim().toUpperCase());
  // Parameters and user properties in name order; numbers are typed (epn./upn.), booleans
  // go out as true/false.
  const names = Object.keys(params).sort();
  for (let i = 0; i < names.length; i++) {
    const value = params[names[i]];
    const type = typeof value;
    query += queryPart((type === 'number' ? '&epn.' : '&ep.') + encodeUriComponent(names[i]) + '=',
      type === 'boolean' ? (value ? 'true' : 'false') : value);
  }
  const properties = Object.keys(userProperties).sort();
  for (let i = 0; i < properties.length; i++) {
    const value = userProperties[properties[i]];
    const type = typeof value;
    query += queryPart((type === 'number' ? '&upn.' : '&up.') + encodeUriComponent(properties[i]) + '=',
      type === 'boolean' ? (value ? 'true' : 'false') : value);
  }
  const items = eventData.items;
  if (typeof items === 'object' && getType(items) === 'array') {
    query += itemsQuery(items);
  }
  return query;
}

// One '&key=value' of the query: prefix ('&key=', escaped already) and the value as the
// collection protocol writes it (booleans as 1/0), or '' when the value is missing or an
// empty string.
function queryPart(prefix, value) {
  const type = typeof value;
  if (type === 'string') {
    return value === '' ? '' : prefix + encodeUriComponent(value);
  }
  if (type === 'number') {
    // A number is written with digits, letters, '.' and '-' only, except from 1e21 up,
    // where the exponent has a '+' that must be escaped.
    return prefix + (value < 1e21 && value > -1e21 ? value : encodeUriComponent('' + value));
  }
  if (type === 'boolean') {
    return prefix + (value ? '1' : '0');
  }
  if (value === undefined || value === null) {
    return '';
  }
  return prefix + encodeUriComponent(makeString(value));
}

// The items as pr1, pr2, ... (protocols.md a.4), numbered among the items that are
// objects: each item as ~-separated code+value fields, then its other keys in name order
// as k<slot><name>~v<slot><value>. A ~ inside a value cannot be represented and is dropped.
function itemsQuery(items) {
  // Item keys and their two-letter codes, in the order the fields are written.
  const keys = ['item_id', 'item_name', 'item_brand', 'item_category', 'item_category2', 'item_category3',
    'item_category4', 'item_category5', 'item_variant', 'price', 'quantity', 'coupon', 'discount',
    'item_list_name', 'item_list_id', 'index', 'affiliation', 'location_id', 'promotion_id', 'promotion_name',
    'creative_name', 'creative_slot'];
  const codes = ['id', 'nm', 'br', 'ca', 'c2', 'c3', 'c4', 'c5', 'va', 'pr', 'qt', 'cp', 'ds', 'ln', 'li', 'lp',
    'af', 'lo', 'pi', 'pn', 'cn', 'cs'];
  const slots = '0123456789abcdefghijklmnopqrstuvwxyz';
  let query = '';
  let number = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== 'object' || getType(item) !== 'object') {
      continue;
    }
    number++;
    // Every field is written with a leading ~, the first one cut off at the end.
    let fields = '';
    for (let k = 0; k < keys.length; k++) {
      const value = item[keys[k]];
      if (typeof value === 'number') {
        fields += '~' + codes[k] + value;
      } else if (typeof value === 'string' && value !== '') {
        fields += '~' + codes[k] + (value.indexOf('~') < 0 ? value : removeAll(value, '~'));
      }
    }
    // Own keys without a code and with a plain value, in name order: sorting only these
    // gives the same order as sorting all keys, and most items have none.
    const own = Object.keys(item);
    const custom = [];
    for (let k = 0; k < own.length; k++) {
      if (keys.indexOf(own[k]) >= 0) {
        continue;
      }
      const value = item[own[k]];
      const type = typeof value;
      if ((type === 'string' && value !== '') || type === 'number' || type === 'boolean') {
        custom.push(own[k]);
      }
    }
    if (custom.length > 1) {
      custom.sort();
    }
    for (let k = 0; k < custom.length && k < slots.length; k++) {
      const name = custom[k];
      const value = item[name];
      const at = slots.charAt(k);
      fields += '~k' + at + (name.indexOf('~') < 0 ? name : removeAll(name, '~')) + '~v' + at +
        (typeof value === 'string' && value.indexOf('~') >= 0 ? removeAll(value, '~') : value);
    }
    query += queryPart('&pr' + number + '=', fields.substring(1));
  }
  return query;
}

// The Measurement Protocol body (protocols.md b.1). Its helpers are declared inside, so
// that runs for the collection endpoint do not create them.
function mpBody() {
  const out = {client_id: clientId};
  setIf(out, 'user_id', text(eventData.user_id).trim());
  const micros = timestampMicros();
  if (micros > 0) {
    out.timestamp_micros = micros;
  }
  if (Object.keys(userProperties).length > 0) {
    out.user_properties = {};
    Object.keys(userProperties).forEach((name) => {
      out.user_properties[name] = {value: userProperties[name]};
    });
  }
  const consent = {};
  setIf(consent, 'ad_user_data', consentState('ad_user_data').toUpperCase());
  setIf(consent, 'ad_personalization', consentState('ad_personalization').toUpperCase());
  if (Object.keys(consent).length > 0) {
    out.consent = consent;
  }
  if (flag(data.send_user_data, false) && consentState('ad_user_data') !== 'denied') {
    const userData = mpUserData();
    if (Object.keys(userData).length > 0) {
      out.user_data = userData;
    }
  }
  setIf(out, 'ip_override', ip);
  const eventParameters = {};
  setIf(eventParameters, 'session_id', text(eventData.ga_session_id));
  setIf(eventParameters, 'engagement_time_msec', numberOr(eventData.engagement_time_msec, undefined));
  ['page_location', 'page_referrer', 'page_title', 'language', 'screen_resolution'].forEach((key) => {
    setIf(eventParameters, key, text(eventData[key]).trim());
  });
  setIf(eventParameters, 'currency', text(eventData.currency).trim().toUpperCase());
  Object.keys(params).forEach((name) => {
    eventParameters[name] = params[name];
  });
  // Items that are objects, with their plain values only.
  const items = getType(eventData.items) === 'array' ? eventData.items : [];
  const list = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (getType(item) !== 'object') {
      continue;
    }
    const copy = {};
    const keys = Object.keys(item);
    for (let k = 0; k < keys.length; k++) {
      const type = getType(item[keys[k]]);
      if (type === 'string' || type === 'number' || type === 'boolean') {
        copy[keys[k]] = item[keys[k]];
      }
    }
    list.push(copy);
  }
  if (list.length > 0) {
    eventParameters.items = list;
  }
  out.events = [{name: eventName, params: eventParameters}];
  return out;

  // timestamp_micros from the event (MP clients) or event_time (seconds or milliseconds).
  function timestampMicros() {
    const micros = numberOr(eventData.timestamp_micros, 0);
    if (micros > 0) {
      return micros;
    }
    const time = numberOr(eventData.event_time, 0);
    if (!(time > 0)) {
      return 0;
    }
    return time > 100000000000 ? time * 1000 : time * 1000000;
  }

  // User-provided data, hashed per Google's rules: trimmed, lower case, gmail dots
  // removed, phones in E.164; address names and street hashed.
  function mpUserData() {
    const userData = {};
    const emails = hashValues(firstValues(['user_data.email_address', 'user_data.email', 'user_data.sha256_email_address']), googleEmail);
    const phones = hashValues(firstValues(['user_data.phone_number', 'user_data.sha256_phone_number']), phoneE164);
    if (emails.length > 0) {
      userData.sha256_email_address = emails;
    }
    if (phones.length > 0) {
      userData.sha256_phone_number = phones;
    }
    const lower = (raw) => raw.trim().toLowerCase();
    const addresses = valuesAt(eventData, 'user_data.address').filter((a) => getType(a) === 'object').map((address) => {
      const entry = {};
      setIf(entry, 'sha256_first_name', hashValues([address.sha256_first_name || address.first_name], lower)[0]);
      setIf(entry, 'sha256_last_name', hashValues([address.sha256_last_name || address.last_name], lower)[0]);
      setIf(entry, 'sha256_street', hashValues([address.sha256_street || address.street], lower)[0]);
      setIf(entry, 'city', text(address.city).trim().toLowerCase());
      setIf(entry, 'region', text(address.region).trim().toLowerCase());
      setIf(entry, 'postal_code', text(address.postal_code).trim());
      setIf(entry, 'country', text(address.country).trim().toUpperCase());
      return entry;
    }).filter((entry) => Object.keys(entry).length > 0);
    if (addresses.length > 0) {
      userData.address = addresses;
    }
    return userData;
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

  // firstValues returns the values at the first key path in paths that yields any.
  function firstValues(paths) {
    for (let i = 0; i < paths.length; i++) {
      const values = valuesAt(eventData, paths[i]).filter((value) => text(value).trim() !== '');
      if (values.length > 0) {
        return values;
      }
    }
    return [];
  }

  // googleEmail is Google's email normalisation: trimmed, lower case, and for gmail.com and
  // googlemail.com addresses without the dots of the local part.
  function googleEmail(raw) {
    const email = raw.trim().toLowerCase();
    const at = email.lastIndexOf('@');
    if (at <= 0) {
      return email;
    }
    const domain = email.substring(at + 1);
    if (domain !== 'gmail.com' && domain !== 'googlemail.com') {
      return email;
    }
    return email.substring(0, at).split('.').join('') + '@' + domain;
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

  // phoneE164 is phoneDigits with the leading + of E.164.
  function phoneE164(raw) {
    const digits = phoneDigits(raw);
    return digits ? '+' + digits : '';
  }

  // Returns every value at a dotted path, descending into arrays at any level.
  function valuesAt(obj, keyPath) {
    if (getType(obj) !== 'object') {
      return [];
    }
    if (hasKey(obj, keyPath)) {
      return flatten([obj[keyPath]]);
    }
    // Most paths are absent: give up before building anything when the first segment is.
    const dot = keyPath.indexOf('.');
    if (dot < 0 || obj[keyPath.substring(0, dot)] === undefined) {
      return [];
    }
    let nodes = [obj];
    const parts = keyPath.split('.');
    for (let p = 0; p < parts.length && nodes.length > 0; p++) {
      const next = [];
      const flat = flatten(nodes);
      for (let i = 0; i < flat.length; i++) {
        if (getType(flat[i]) === 'object' && hasKey(flat[i], parts[p])) {
          next.push(flat[i][parts[p]]);
        }
      }
      nodes = next;
    }
    return flatten(nodes);
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
}

// A textAsList field: an array of lines, or one string with lines or commas.
function listOf(value) {
  const parts = [];
  (getType(value) === 'array' ? value : [value]).forEach((entry) => {
    text(entry).split('\n').forEach((line) => {
      line.split(',').forEach((part) => {
        if (part.trim()) {
          parts.push(part.trim());
        }
      });
    });
  });
  return parts;
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
                "string": "https://www.google-analytics.com/g/collect?*"
              },
              {
                "type": 1,
                "string": "https://region1.google-analytics.com/g/collect?*"
              },
              {
                "type": 1,
                "string": "https://www.google-analytics.com/mp/collect?*"
              },
              {
                "type": 1,
                "string": "https://region1.google-analytics.com/mp/collect?*"
              },
              {
                "type": 1,
                "string": "https://www.google-analytics.com/debug/mp/collect?*"
              },
              {
                "type": 1,
                "string": "https://region1.google-analytics.com/debug/mp/collect?*"
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
- name: a purchase is re-encoded for the collection endpoint
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(204, '');
    runCode(config({}));
    assertThat(request.url).isEqualTo('https://www.google-analytics.com/g/collect?' + [
      'v=2', 'tid=G-TEST123', '_p=1716200000999', 'gcs=G111', 'gcd=13t3t3t3t5l1', 'npa=0', 'dma=0',
      'cid=1234567890.1716199000', 'uid=u-42', 'ul=en-us', 'sr=1440x900', '_uip=198.51.100.23', '_s=4',
      'sid=1716199900', 'sct=3', 'seg=1', 'dl=https%3A%2F%2Fshop.example%2Fcheckout%2Fthanks', 'dt=Thank%20you',
      'en=purchase', '_et=310', 'cu=USD', 'epn.shipping=0', 'epn.tax=4.8', 'ep.transaction_id=T-1001', 'epn.value=59.98',
      'up.plan=gold',
      'pr1=idSKU-1~nmBlue%20Mug~brAcme~caKitchen~vablue~pr19.99~qt2~k0color~v0blue',
      'pr2=idSKU-2~nmTea~pr20~qt1'
    ].join('&'));
    assertThat(request.options).isEqualTo({method: 'POST', headers: {'User-Agent': 'Mozilla/5.0 (Macintosh) TestBrowser/1.0'}});
    assertThat(request.body).isUndefined();
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: parameter and user property overrides, removals, redaction, EU host and debug
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(204, '');
    runCode(config({
      server: 'eu', redact_ip: true, validate_only: true, event_name_override: 'purchase_server',
      params_add: [{name: 'value', value: 61}, {name: 'source', value: 'tagd'}], params_remove: ['tax', 'shipping'],
      user_properties_add: [{name: 'tier', value: 2}], user_properties_remove: 'plan'
    }));
    const query = request.url.split('?')[1].split('&');
    assertThat(request.url.split('?')[0]).isEqualTo('https://region1.google-analytics.com/g/collect');
    assertThat(query).contains('en=purchase_server', 'epn.value=61', 'ep.source=tagd', 'upn.tier=2', '_dbg=1');
    assertThat(query).doesNotContain('_uip=198.51.100.23', 'epn.tax=4.8', 'epn.shipping=0', 'up.plan=gold');
- name: client hints, system flags and consent derived from consent_state
  code: |-
    mock('getAllEventData', {
      event_name: 'page_view', client_id: '1.2', 'x-ga-measurement_id': 'G-FROMEVENT',
      consent_state: {ad_storage: 'denied', analytics_storage: 'granted'},
      'x-ga-system_properties': {ss: '1', fv: '2'}, debug_mode: true,
      client_hints: {architecture: 'arm', bitness: '64', model: '', mobile: false, platform: 'macOS',
        platform_version: '14.4.1', wow64: false,
        full_version_list: [{brand: 'Chromium', version: '125.0.6422.60'}, {brand: 'Not.A/Brand', version: '24.0.0.0'}]}
    });
    respond(200, '');
    runCode(config({measurement_id: ''}));
    assertThat(request.url).isEqualTo('https://www.google-analytics.com/g/collect?v=2&tid=G-FROMEVENT&gcs=G101&cid=1.2' +
      '&uaa=arm&uab=64&uafvl=Chromium%3B125.0.6422.60%7CNot.A%252FBrand%3B24.0.0.0&uamb=0&uap=macOS&uapv=14.4.1&uaw=0' +
      '&en=page_view&_ss=1&_fv=2&_dbg=1&ep.debug_mode=true');
- name: the Measurement Protocol body carries params, items, user properties and consent
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(204, '');
    runCode(config({transport: 'mp'}));
    assertThat(request.url).isEqualTo('https://www.google-analytics.com/mp/collect?measurement_id=G-TEST123&api_secret=s3cr3t%2B1');
    assertThat(request.options).isEqualTo({method: 'POST', headers: {'Content-Type': 'application/json'}});
    assertThat(JSON.parse(request.body)).isEqualTo({
      client_id: '1234567890.1716199000', user_id: 'u-42',
      user_properties: {plan: {value: 'gold'}},
      consent: {ad_user_data: 'GRANTED', ad_personalization: 'GRANTED'},
      ip_override: '198.51.100.23',
      events: [{name: 'purchase', params: {
        session_id: '1716199900', engagement_time_msec: 310,
        page_location: 'https://shop.example/checkout/thanks', page_title: 'Thank you', language: 'en-us',
        screen_resolution: '1440x900', currency: 'USD', value: 59.98, transaction_id: 'T-1001', tax: 4.8, shipping: 0,
        items: [
          {item_id: 'SKU-1', item_name: 'Blue Mug', item_brand: 'Acme', item_category: 'Kitchen', item_variant: 'blue', price: 19.99, quantity: 2, color: 'blue'},
          {item_id: 'SKU-2', item_name: 'Tea', price: 20, quantity: 1}
        ]
      }}]
    });
- name: Measurement Protocol user data follows Google's rules and obeys ad_user_data
  code: |-
    const ev = {event_name: 'sign_up', client_id: '1.2', event_time: 1716200000,
      user_data: {email_address: 'Jane.Doe@GMail.com', phone_number: '+1 (555) 123-4567',
        address: {first_name: 'Jane', last_name: 'Doe', street: '100 Main St', city: 'San Francisco', region: 'CA', postal_code: '94107', country: 'us'}}};
    mock('getAllEventData', ev);
    respond(204, '');
    runCode(config({transport: 'mp', send_user_data: true}));
    const sent = JSON.parse(request.body);
    assertThat(sent.timestamp_micros).isEqualTo(1716200000000000);
    assertThat(sent.user_data).isEqualTo({
      sha256_email_address: ['d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69'],
      sha256_phone_number: ['8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4'],
      address: [{
        sha256_first_name: '81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2',
        sha256_last_name: '799ef92a11af918e3fb741df42934f3b568ed2d93ac1df74f1b8d41a27932a6f',
        sha256_street: '5406e822e5bfd177a026bc3fe16eb7a6d71a1f175bbf9b1564e4d500f3c92391',
        city: 'san francisco', region: 'ca', postal_code: '94107', country: 'US'
      }]
    });
    ev.consent_state = {ad_user_data: 'denied'};
    runCode(config({transport: 'mp', send_user_data: true}));
    assertThat(JSON.parse(request.body).user_data).isUndefined();
    assertThat(JSON.parse(request.body).consent).isEqualTo({ad_user_data: 'DENIED'});
- name: validation messages from the debug endpoint fail the tag
  code: |-
    mock('getAllEventData', {event_name: '9lives', client_id: '1.2'});
    respond(200, '{"validationMessages":[{"fieldPath":"events","description":"Event at index: [0] has invalid name [9lives]. Names must start with an alphabetic character.","validationCode":"NAME_INVALID"}]}');
    runCode(config({transport: 'mp', validate_only: true}));
    assertThat(request.url).isEqualTo('https://www.google-analytics.com/debug/mp/collect?measurement_id=G-TEST123&api_secret=s3cr3t%2B1');
    callLater(() => assertApi('gtmOnFailure').wasCalledWith(
      'ga4: Event at index: [0] has invalid name [9lives]. Names must start with an alphabetic character. [NAME_INVALID]'));
- name: analytics_storage denied can skip; missing settings and HTTP errors fail
  code: |-
    respond(500, 'oops');
    mock('getAllEventData', {event_name: 'page_view', client_id: '1.2', 'x-ga-gcs': 'G110'});
    runCode(config({analytics_storage_denied: 'skip'}));
    assertApi('sendHttpRequest').wasNotCalled();
    runCode(config({transport: 'mp', api_secret: ''}));
    assertApi('gtmOnFailure').wasCalledWith('ga4: the Measurement Protocol needs api_secret');
    mock('getAllEventData', {event_name: 'page_view'});
    runCode(config({transport: 'mp'}));
    assertApi('gtmOnFailure').wasCalledWith('ga4: the Measurement Protocol needs a client_id');
    runCode(config({measurement_id: ''}));
    assertApi('gtmOnFailure').wasCalledWith('ga4: no measurement_id (set it, or let the event carry x-ga-measurement_id)');
    runCode(config({}));
    callLater(() => assertApi('gtmOnFailure').wasCalledWith('ga4: HTTP 500'));
- name: odd event data is encoded for the collection endpoint exactly as pinned
  code: |-
    mock('getAllEventData', oddEvent());
    respond(204, '');
    runCode(config({
      params_add: [{name: ' spaced ', value: undefined}, {name: '', value: 'x'}, {name: 'obj', value: {a: 1}},
        {name: 'nul', value: null}, {name: 'num', value: 7}, 'not a row', {name: 'flag_off', value: 'overridden'}],
      params_remove: 'zero, neg\nsmall',
      user_properties_add: [{name: 'tier2', value: true}], user_properties_remove: ['flag']
    }));
    assertThat(request.url).isEqualTo('https://www.google-analytics.com/g/collect?' + [
      'v=2', 'tid=G-TEST123', '_p=12345678901234567000', 'cid=1.2', 'uid=u-1', 'ul=de', 'uaa=x86', 'uab=64',
      'uafvl=B%2526B%257C%253B%3B7%7C%3B1%7C%257B%2522x%2522%253A1%257D%3B', 'uam=M~1', 'uaw=1', '_s=0',
      'sct=1.5', 'dl=https%3A%2F%2Fx.example%2F%3Fq%3Da%20b', 'en=odd%20event', '_et=12', '_ss=1', '_fv=0',
      '_c=0', '_ee=x', '_dbg=1', 'cu=EUR', 'epn.big=1e%2B21', 'ep.flag_off=overridden', 'ep.flag_on=true',
      'epn.huge=-2e%2B300', 'ep.needs%20escaping%20key%2F%C3%A9=a%26b%3Dc%20d%2B%C3%A9', 'epn.num=7',
      'ep.obj=%5Bobject%20Object%5D', 'upn.num=-1', 'up.plan=gold', 'up.sp%20ace=s', 'upn.tier=3',
      'up.tier2=true',
      'pr1=idA1~pr0~qt-1~cpC~li1e%2B21~lp2~k0akey~v0true~k1n~v11.5~k2sp%20ace~v2x%20y' +
        '~k3z_custom~v3zv',
      'pr2=idinherited~k0own~v0o',
      'pr4=idMANY~k0k00~v0v0~k1k01~v11~k2k02~v22~k3k03~v3v3~k4k04~v44~k5k05~v55~k6k06~v6v6' +
        '~k7k07~v77~k8k08~v88~k9k09~v9v9~kak10~va10~kbk11~vb11~kck12~vcv12~kdk13~vd13~kek14~ve14' +
        '~kfk15~vfv15~kgk16~vg16~khk17~vh17~kik18~viv18~kjk19~vj19~kkk20~vk20~klk21~vlv21~kmk22' +
        '~vm22~knk23~vn23~kok24~vov24~kpk25~vp25~kqk26~vq26~krk27~vrv27~ksk28~vs28~ktk29~vt29' +
        '~kuk30~vuv30~kvk31~vv31~kwk32~vw32~kxk33~vxv33~kyk34~vy34~kzk35~vz35'
    ].join('&'));
    assertThat(request.options).isEqualTo({method: 'POST', headers: {}});
- name: odd event data is sent with the Measurement Protocol exactly as pinned
  code: |-
    mock('getAllEventData', oddEvent());
    respond(204, '');
    runCode(config({transport: 'mp', params_add: [{name: 'num', value: 7}], params_remove: ['zero'],
      user_properties_add: [{name: 'tier2', value: true}], user_properties_remove: 'flag'}));
    assertThat(request.body).isEqualTo(
      '{"client_id":"1.2","user_id":"u-1","user_properties":{"plan":{"value":"gold"},' +
      '"empty":{"value":""},"num":{"value":-1},"tier":{"value":3},"sp ace":{"value":"s"},' +
      '"tier2":{"value":true}},"events":[{"name":"odd event","params":{"engagement_time_msec":12,' +
      '"page_location":"https://x.example/?q=a b","language":"de","currency":"EUR","empty":"",' +
      '"needs escaping key/é":"a&b=c d+é","big":1e+21,"huge":-2e+300,"neg":-0.5,"small":1e-7,' +
      '"flag_on":true,"flag_off":false,"num":7,"items":[{"item_id":"A~1","item_name":"","price":0,' +
      '"quantity":-1,"index":2,"coupon":"C~","z_custom":"z~v","a~key":true,"n":1.5,"e":"",' +
      '"discount":true,"item_list_id":1e+21,"sp ace":"x y"},{"own":"o"},{},{"item_id":"MANY",' +
      '"k00":"v0","k01":1,"k02":2,"k03":"v3","k04":4,"k05":5,"k06":"v6","k07":7,"k08":8,"k09":"v9",' +
      '"k10":10,"k11":11,"k12":"v12","k13":13,"k14":14,"k15":"v15","k16":16,"k17":17,"k18":"v18",' +
      '"k19":19,"k20":20,"k21":"v21","k22":22,"k23":23,"k24":"v24","k25":25,"k26":26,"k27":"v27",' +
      '"k28":28,"k29":29,"k30":"v30","k31":31,"k32":32,"k33":"v33","k34":34,"k35":35,"k36":"v36",' +
      '"k37":37,"k38":38,"k39":"v39"}]}}]}');
setup: |-
  const JSON = require('JSON');
  const Object = require('Object');
  const Promise = require('Promise');
  const callLater = require('callLater');
  let request;
  const respond = (status, responseBody) => {
    mock('sendHttpRequest', (url, options, body) => {
      request = {url: url, options: options, body: body};
      return Promise.create((resolve) => resolve({statusCode: status, headers: {}, body: responseBody}));
    });
  };
  const config = (extra) => {
    const params = {measurement_id: 'G-TEST123', transport: 'collect', api_secret: 's3cr3t+1', server: 'global',
                    redact_ip: false, send_user_data: false, analytics_storage_denied: 'forward', validate_only: false};
    Object.keys(extra).forEach((key) => { params[key] = extra[key]; });
    return params;
  };
  // The second event of protocols.md a.9 example 2, as the GA4 client produces it.
  const purchaseEvent = {
    event_name: 'purchase', engagement_time_msec: 310, client_id: '1234567890.1716199000', user_id: 'u-42',
    ga_session_id: '1716199900', ga_session_number: 3, 'x-ga-mp2-seg': '1', 'x-ga-request_count': 4,
    page_location: 'https://shop.example/checkout/thanks', page_title: 'Thank you', language: 'en-us',
    screen_resolution: '1440x900', currency: 'USD', value: 59.98, transaction_id: 'T-1001', tax: 4.8, shipping: 0,
    items: [
      {item_id: 'SKU-1', item_name: 'Blue Mug', item_brand: 'Acme', item_category: 'Kitchen', item_variant: 'blue', price: 19.99, quantity: 2, color: 'blue'},
      {item_id: 'SKU-2', item_name: 'Tea', price: 20, quantity: 1}
    ],
    'x-ga-mp2-user_properties': {plan: 'gold'}, 'x-ga-mp2-richsstsse': '', 'x-ga-measurement_id': 'G-TEST123',
    'x-ga-protocol_version': '2', 'x-ga-page_id': 1716200000999, 'x-ga-gcs': 'G111', 'x-ga-gcd': '13t3t3t3t5l1',
    'x-ga-npa': '0', 'x-ga-dma': false, ip_override: '198.51.100.23', user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
    consent_state: {ad_storage: 'granted', analytics_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted'},
    user_data: {email_address: 'jane@example.com'}
  };
  // Event data with every kind of odd value the encoders must treat as pinned: internal
  // keys, empty and non-scalar values, characters that need escaping, a ~ inside item
  // fields, non-object items, an item whose fields are inherited, more custom item keys
  // than there are slots.
  const oddEvent = () => {
    const many = {item_id: 'MANY'};
    for (let i = 0; i < 40; i++) {
      many['k' + (i < 10 ? '0' : '') + i] = i % 3 === 0 ? 'v' + i : i;
    }
    return {
      event_name: 'odd event', client_id: ' 1.2 ', 'x-ga-gcs': '', _internal: 'no', 'x-custom': 'no',
      empty: '', 'needs escaping key/é': 'a&b=c d+é', big: 1e21, huge: -2e300, neg: -0.5, small: 1e-7, zero: 0,
      flag_on: true, flag_off: false, nested: {a: 1}, list: [1, 2], nothing: null, undef: undefined,
      currency: ' eur ', user_id: '  u-1 ', language: 'de', ga_session_number: 1.5, engagement_time_msec: '12',
      page_location: 'https://x.example/?q=a b', 'x-ga-page_id': 12345678901234567890, 'x-ga-request_count': 0,
      'x-ga-system_properties': {ss: true, fv: 0, nsi: '', c: false, ee: 'x', dbg: 1},
      client_hints: {architecture: 'x86', bitness: 64,
        full_version_list: ['bad', null, [1], {brand: 'B&B|;', version: 7}, {version: '1'}, {brand: {x: 1}, version: null}],
        mobile: 'yes', wow64: true, model: 'M~1', platform_version: ''},
      user_properties: {tier: {value: 3}, plan: 'silver', flag: false, obj: {}, arr: [1], wrapped_obj: {value: {}}, 'sp ace': 's'},
      'x-ga-mp2-user_properties': {plan: 'gold', empty: '', num: -1},
      items: [
        'not an item', null,
        {item_id: 'A~1', item_name: '', price: 0, quantity: -1, index: 2, coupon: 'C~', z_custom: 'z~v', 'a~key': true,
          n: 1.5, e: '', o: {}, item_brand: null, discount: true, item_list_id: 1e21, 'sp ace': 'x y'},
        [1, 2],
        {__proto__: {item_id: 'inherited', extra: 'inh'}, own: 'o'},
        {},
        many
      ]
    };
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
