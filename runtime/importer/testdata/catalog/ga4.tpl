___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "displayName": "GA4 (catalog stub)",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {"type": "TEXT", "name": "measurement_id", "displayName": "measurement_id", "simpleValueType": true, "valueValidators": [{"type": "NON_EMPTY"}]},
  {"type": "CHECKBOX", "name": "redact_ip", "checkboxText": "redact_ip", "simpleValueType": true},
  {"type": "TEXT", "name": "event_name_override", "displayName": "event_name_override", "simpleValueType": true}
]


___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();
