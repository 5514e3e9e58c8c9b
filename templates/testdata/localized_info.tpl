___INFO___

{
  "type": "MACRO",
  "version": 1,
  "displayName": {"text": "Localized name", "translations": [{"locale": "ja", "text": "名前"}]},
  "description": {
    "text": "Default description.",
    "translations": [{"locale": "de", "text": "Beschreibung."}]
  },
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {"type": "SELECT", "name": "gdpr", "defaultValue": -1,
   "displayName": {"text": "GDPR", "translations": [{"locale": "ja", "text": "GDPR（日本語）"}]},
   "help": {"text": "Consent <b>state</b>.", "translations": []},
   "selectItems": [{"value": 0, "displayValue": {"text": "no"}}, {"value": 1, "displayValue": "yes"}]},
  {"type": "CHECKBOX", "name": "flag", "checkboxText": {"text": "Flag", "translations": []},
   "defaultValue": {"text": "not a text key, kept as an object"}, "lineCount": 12345678901}
]


___SANDBOXED_JS_FOR_SERVER___

return data.gdpr;
