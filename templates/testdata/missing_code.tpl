___INFO___

{"type": "TAG", "version": 1, "displayName": "Broken", "containerContexts": ["SERVER"]}


___NOTES___

Server context, but the code section is missing.
