# ruff: noqa: E501  (expected lines are compared whole, so they stay on one line)
"""The catalogue of broken specs: one broken input, the exact lines a user sees.

Each case writes the base project (tests/validate/conftest.py) plus its files, loads it from inside
the project dir, and compares every diagnostic line, file:line:col included.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onesync.model import Source

from .conftest import PROJECT

P = "specs/x.yaml"
HEAD = "sync: x\nsource: warehouse\n"
SQL = "model:\n  sql: |\n    select id, sf_id, email, first_name, plan, created_at\n    from crm.customers\n"
IDN = "identity: {external_id: id}\n"


def spec(body: str, *, head: str = HEAD, model: str = SQL, identity: str = IDN) -> dict:
    return {P: head + model + identity + body}


def project(destination: str = "", warehouse: str = "") -> str:
    """The base project file with extra ``destination:`` / ``sources.warehouse`` lines."""
    text = PROJECT.replace(
        "  app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n",
        "  app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n" + destination,
    )
    return text.replace(
        "    url: ${env:DATABASE_URL}\n", "    url: ${env:DATABASE_URL}\n" + warehouse
    )


LEGACY = project("  api: legacy\n")
PARIS = project(warehouse="    timezone: Europe/Paris\n")
MSG = "message: {key: id, contents: {en: hi}, "


CASES = {
    "yaml_syntax": (
        {P: "sync: x\nsource: [warehouse\nmodel: {}\n"},
        [
            "specs/x.yaml:3:6: error: invalid YAML: expected ',' or ']', but got ':' while parsing a flow sequence (fix the syntax)"
        ],
    ),
    "yaml_tab": (
        {P: "sync: x\n\tsource: warehouse\n"},
        [
            "specs/x.yaml:2:1: error: invalid YAML: found character '\\t' that cannot start any token while scanning for the next token (indent with spaces, not tabs)"
        ],
    ),
    "duplicate_key": (
        spec("identity: {external_id: sf_id}\n"),
        [
            "specs/x.yaml:8:1: error: duplicate key 'identity' (first defined on line 7) (remove one of them; YAML would silently keep only the last)"
        ],
    ),
    "several_documents": (
        {P: HEAD + "---\n" + HEAD},
        [
            "specs/x.yaml:4:1: error: the file holds 2 YAML documents, expected one (put each sync in its own file)"
        ],
    ),
    "top_level_list": (
        {P: "- sync: x\n- source: warehouse\n"},
        [
            "specs/x.yaml:1:1: error: the file must hold a mapping, not a list (write 'key: value' lines)"
        ],
    ),
    "empty_file": ({P: ""}, ["specs/x.yaml:1:1: error: the file is empty (write a YAML mapping)"]),
    "typo_top_key": (
        {P: "sync: x\nsorce: warehouse\n" + SQL + IDN},
        [
            "specs/x.yaml:1:1: error: missing required key 'source' (add 'source: ...')",
            "specs/x.yaml:2:1: error: unknown key 'sorce' (did you mean 'source'?)",
        ],
    ),
    "typo_nested_key": (
        spec("", identity="identity: {externl_id: id}\n"),
        [
            "specs/x.yaml:7:12: error: unknown key 'externl_id' in identity (did you mean 'external_id'?)",
        ],
    ),
    "identity_two_keys": (
        spec("", identity="identity: {external_id: id, subscription_id: sf_id}\n"),
        [
            "specs/x.yaml:7:11: error: identity takes exactly one of external_id, alias, subscription_id (it has external_id, subscription_id) (external_id: your user id column is the usual choice; see docs/spec-reference.md, Identity)",
        ],
    ),
    "identity_email_on_a_profile": (
        spec("", identity="identity: {email: email}\n"),
        [
            "specs/x.yaml:7:12: error: identity.email names message recipients only (use external_id, alias or subscription_id for a profile or event sync)",
        ],
    ),
    "link_with_tags": (
        spec("tags: {plan: plan}\n", identity="link: {external_id: id, subscription_id: sf_id}\n"),
        [
            "specs/x.yaml:8:1: error: a link sync only links subscriptions to external ids; tags: belongs in another sync (move tags: to a profile sync of the same users)",
        ],
    ),
    "message_to_disagrees": (
        spec(
            "message: {key: id, to: email, channel: email, subject: {en: s}, contents: {en: c}}\n"
        ),
        [
            "specs/x.yaml:8:24: error: to: email does not match identity.external_id; the identity column is what recipients are named by (write to: external_id, or change identity)",
        ],
    ),
    "typo_mode": (
        spec("mode: upsrt\n"),
        ["specs/x.yaml:8:7: error: mode: 'upsrt' is not allowed (did you mean 'upsert'?)"],
    ),
    "typo_tag_type": (
        spec("tags:\n  n: {column: id, type: numbr}\n"),
        ["specs/x.yaml:9:25: error: tags.n.type: 'numbr' is not allowed (did you mean 'number'?)"],
    ),
    "typo_tag_column_key": (
        spec("tags:\n  n: {colum: id}\n"),
        ["specs/x.yaml:9:7: error: unknown key 'colum' in tags.n (did you mean 'column'?)"],
    ),
    "typo_channel": (
        spec("message: {key: id, channel: pussh, contents: {en: hi}}\n"),
        [
            "specs/x.yaml:8:29: error: message.channel: 'pussh' is not allowed (did you mean 'push'?)"
        ],
    ),
    "tags_not_mapping": (
        spec("tags: plan\n"),
        [
            "specs/x.yaml:8:7: error: tags must be a mapping, not a string (write it as 'key: value' lines indented below)"
        ],
    ),
    "tag_value_list": (
        spec("tags:\n  plan: [plan]\n"),
        ["specs/x.yaml:9:9: error: tags.plan must be a string or a mapping, not a list"],
    ),
    "boolean_string": (
        spec('event: {name: signup, key: id, backfill: "yes"}\n'),
        [
            "specs/x.yaml:8:42: error: event.backfill must be true or false, not a string (write true or false; yes/no/on/off are text in YAML 1.2)"
        ],
    ),
    "yaml11_boolean_is_string": (
        spec("event: {name: signup, key: id, backfill: yes}\n"),
        [
            "specs/x.yaml:8:42: error: event.backfill must be true or false, not a string (write true or false; yes/no/on/off are text in YAML 1.2)"
        ],
    ),
    "bad_sync_name": (
        {P: "sync: 2fast\nsource: warehouse\n" + SQL + IDN},
        [
            "specs/x.yaml:1:7: error: sync: '2fast' is not valid (a sync name is letters, digits and _, starting with a letter)"
        ],
    ),
    "missing_identity": (
        {P: HEAD + SQL},
        ["specs/x.yaml:1:1: error: missing required key 'identity' (add 'identity: ...')"],
    ),
    "event_missing_key": (
        spec("event: {name: signup}\n"),
        ["specs/x.yaml:8:8: error: missing required key 'key' in event (add 'key: ...')"],
    ),
    "after_duplicate_item": (
        spec("after: [customers, customers]\n"),
        ["specs/x.yaml:8:8: error: after lists an item twice (remove the repeated item)"],
    ),
    "unknown_source": (
        {P: "sync: x\nsource: wharehouse\n" + SQL + IDN},
        [
            "specs/x.yaml:2:9: error: no source named 'wharehouse' in the project file (did you mean 'warehouse'?)"
        ],
    ),
    "duplicate_sync_name": (
        {P: "sync: customers\nsource: warehouse\n" + SQL + IDN},
        [
            "specs/x.yaml:1:7: error: sync name 'customers' is already used in specs/customers.yaml (sync names must be unique)"
        ],
    ),
    "sql_syntax_mapped": (
        spec("", model="model:\n  sql: |\n    select id,\n      plan frm crm.customers\n"),
        [
            "specs/x.yaml:6:16: error: SQL syntax error near 'crm': unexpected token (the model must parse as postgres SQL)"
        ],
    ),
    "sql_inline_error": (
        spec("", model='model: {sql: "select (id from t"}\n'),
        [
            "specs/x.yaml:3:26: error: SQL syntax error near 'from': expected ) (the model must parse as postgres SQL)"
        ],
    ),
    "sql_file_error": (
        {
            P: HEAD + "model: {file: models/x.sql}\n" + IDN,
            "models/x.sql": "select id\nfrom t where (\n",
        },
        [
            "models/x.sql:2:14: error: SQL syntax error near '(': incomplete expression (the model must parse as postgres SQL)"
        ],
    ),
    "sql_file_missing": (
        {P: HEAD + "model: {file: models/none.sql}\n" + IDN},
        [
            "specs/x.yaml:3:15: error: cannot read model file 'models/none.sql': No such file or directory (the path is relative to the project root)"
        ],
    ),
    "sql_not_select": (
        spec("", model="model: {sql: delete from t}\n"),
        [
            "specs/x.yaml:3:14: error: the model must be a select query, not DELETE (a model only reads)"
        ],
    ),
    "sql_two_statements": (
        spec("", model="model: {sql: select 1 as id; select 2}\n"),
        [
            "specs/x.yaml:3:14: error: the model holds more than one SQL statement (keep one select query; remove the ';' and what follows)"
        ],
    ),
    "sql_unclosed_quote": (
        spec("", model='model: {sql: "select \'a as id"}\n'),
        [
            "specs/x.yaml:3:15: error: SQL cannot be tokenized: Error tokenizing 'select 'a as i' (look for an unclosed quote)"
        ],
    ),
    "model_two_kinds": (
        spec("", model="model: {sql: select 1 as id, table: t}\n"),
        [
            "specs/x.yaml:3:8: error: a model needs exactly one of sql, table or file, found sql and table (keep one of them)"
        ],
    ),
    "model_empty": (
        spec("", model="model: {}\n"),
        [
            "specs/x.yaml:3:8: error: a model needs exactly one of sql, table or file, found none (keep one of them)"
        ],
    ),
    "missing_external_id_column": (
        spec("", identity="identity: {external_id: idd}\n"),
        [
            "specs/x.yaml:7:25: error: identity.external_id: column 'idd' is not in the model's output (did you mean 'id'?)"
        ],
    ),
    "missing_tag_column": (
        spec("tags:\n  plan: plna\n"),
        [
            "specs/x.yaml:9:9: error: tags.plan: column 'plna' is not in the model's output (did you mean 'plan'?)"
        ],
    ),
    "missing_subscription_column": (
        spec("subscriptions: {email: mail}\n"),
        [
            "specs/x.yaml:8:24: error: subscriptions.email: column 'mail' is not in the model's output (did you mean 'email'?)"
        ],
    ),
    "missing_event_property": (
        spec("event:\n  name: signup\n  key: id\n  properties: {p: prce}\n"),
        [
            "specs/x.yaml:11:19: error: event.properties.p: column 'prce' is not in the model's output (the model has: id, sf_id, email, first_name, plan, created_at)"
        ],
    ),
    "too_many_aliases": (
        spec(
            "",
            identity="identity:\n  external_id: id\n  aliases: {"
            + ", ".join(f"a{i}: id" for i in range(11))
            + "}\n",
        ),
        [
            "specs/x.yaml:9:12: error: 11 aliases; at most 10 per user (drop some, or raise destination.max_aliases; OneSignal's hard limit is 20)"
        ],
    ),
    "reserved_alias": (
        spec("", identity="identity:\n  external_id: id\n  aliases:\n    external_id: sf_id\n"),
        [
            "specs/x.yaml:10:5: error: alias label 'external_id' is reserved by OneSignal (external_id comes from identity.external_id; pick another label)"
        ],
    ),
    "alias_bad_char": (
        spec("", identity='identity:\n  external_id: id\n  aliases:\n    "crm id": sf_id\n'),
        [
            "specs/x.yaml:10:5: error: alias label 'crm id' has a character OneSignal refuses (use letters, digits, _, - or .; no / ? # & = or spaces)"
        ],
    ),
    "alias_slash": (
        spec("", identity="identity:\n  external_id: id\n  aliases:\n    crm/id: sf_id\n"),
        [
            "specs/x.yaml:10:5: error: alias label 'crm/id' has a character OneSignal refuses (use letters, digits, _, - or .; no / ? # & = or spaces)"
        ],
    ),
    "alias_too_long": (
        spec(
            "", identity="identity:\n  external_id: id\n  aliases:\n    " + "a" * 129 + ": sf_id\n"
        ),
        ["specs/x.yaml:10:5: error: alias label is longer than 128 characters (shorten it)"],
    ),
    "reserved_tag_key": (
        spec("tags:\n  message: plan\n"),
        [
            "specs/x.yaml:9:3: error: tag key 'message' is reserved by OneSignal (rename the tag, e.g. 'message_tag')"
        ],
    ),
    "reserved_event_name": (
        spec("event: {name: os.purchase, key: id}\n"),
        [
            "specs/x.yaml:8:15: error: event name 'os.purchase' uses a prefix OneSignal reserves (os. or os__) (rename the event)"
        ],
    ),
    "reserved_event_name_os__": (
        spec("event: {name: os__x, key: id}\n"),
        [
            "specs/x.yaml:8:15: error: event name 'os__x' uses a prefix OneSignal reserves (os. or os__) (rename the event)"
        ],
    ),
    "event_and_message": (
        spec("event: {name: e, key: id}\nmessage: {key: id, contents: {en: hi}}\n"),
        [
            "specs/x.yaml:9:1: error: a sync sends either an event or a message, not both (split it into two sync files)"
        ],
    ),
    "message_no_content": (
        spec("message: {key: id}\n"),
        [
            'specs/x.yaml:8:1: error: a message needs contents or a template_id (add contents: {en: "..."})'
        ],
    ),
    "message_no_english": (
        spec("message: {key: id, contents: {fr: salut}}\n"),
        [
            "specs/x.yaml:8:30: error: contents must include English ('en') (OneSignal requires an 'en' text; add en: \"...\")"
        ],
    ),
    "email_no_subject": (
        spec("message: {key: id, channel: email, contents: {en: hi}}\n"),
        [
            'specs/x.yaml:8:1: error: an email message needs a subject or a template_id (add subject: {en: "..."})'
        ],
    ),
    "template_syntax": (
        spec('message:\n  key: id\n  contents: {en: "Hi {{ first_name }"}\n'),
        [
            "specs/x.yaml:10:19: error: contents.en: template error: unexpected '}' (fix the Jinja syntax, e.g. {{ column }})"
        ],
    ),
    "template_unknown_column": (
        spec('message:\n  key: id\n  contents:\n    en: "Hi {{ frist_name }}"\n'),
        [
            "specs/x.yaml:11:9: error: contents.en: template uses 'frist_name', which is not a column of the model (did you mean 'first_name'?)"
        ],
    ),
    "send_after_bad": (
        spec('message: {key: id, contents: {en: hi}, send_after: "next week"}\n'),
        [
            "specs/x.yaml:8:52: error: send_after 'next week' is not a delay, a time or a column (write +30m, +1h, +2d, an ISO time like 2026-01-31T09:00:00Z, or a column name)"
        ],
    ),
    "send_after_missing_column": (
        spec("message: {key: id, contents: {en: hi}, send_after: send_at}\n"),
        [
            "specs/x.yaml:8:52: error: message.send_after: column 'send_at' is not in the model's output (the model has: id, sf_id, email, first_name, plan, created_at)"
        ],
    ),
    "send_after_number": (
        spec("message: {key: id, contents: {en: hi}, send_after: +30}\n"),
        [
            "specs/x.yaml:8:52: error: send_after '+30' is not a delay, a time or a column (write +30m, +1h, +2d, an ISO time like 2026-01-31T09:00:00Z, or a column name)"
        ],
    ),
    "cron_fields": (
        spec('schedule: "*/30 * * *"\n'),
        [
            "specs/x.yaml:8:11: error: schedule: a cron expression has 5 fields: minute hour day month weekday; found 4 (e.g. '*/30 * * * *' runs every 30 minutes)"
        ],
    ),
    "cron_range": (
        spec('schedule: "0 25 * * *"\n'),
        [
            "specs/x.yaml:8:11: error: schedule: hour field: 25 is outside 0-23 (e.g. '*/30 * * * *' runs every 30 minutes)"
        ],
    ),
    "after_unknown": (
        spec("after: custmers\n"),
        ["specs/x.yaml:8:8: error: after: no sync named 'custmers' (did you mean 'customers'?)"],
    ),
    "after_cycle": (
        {
            P: HEAD + SQL + IDN + "after: y\n",
            "specs/y.yaml": "sync: y\nsource: warehouse\n" + SQL + IDN + "after: [customers, x]\n",
        },
        [
            "specs/x.yaml:8:8: error: after: the syncs form a cycle: x -> y -> x (remove one of these after: entries)"
        ],
    ),
    "after_self": (
        spec("after: x\n"),
        [
            "specs/x.yaml:8:8: error: after: the syncs form a cycle: x -> x (remove one of these after: entries)"
        ],
    ),
    "env_unset_project": (
        {
            "onesync.yaml": 'version: 1\nsources:\n  warehouse: {dialect: postgres, url: "${env:NOPE}"}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n'
        },
        [
            "onesync.yaml:3:40: error: environment variable NOPE is not set (export NOPE=..., or give a default: ${env:NOPE:-value})"
        ],
    ),
    "env_in_sql": (  # a spec cannot read the environment (issue 13: no secret in any message)
        spec("", model="model:\n  sql: |\n    select id\n    from ${env:SCHEMA}.customers\n"),
        [
            "specs/x.yaml:6:10: error: model.sql: ${env:SCHEMA} is not allowed here; environment values are only allowed in onesync.yaml under sources, destination and state, never in a sync spec (write the column, table or SQL itself; a spec cannot read the environment)"
        ],
    ),
    "env_malformed": (
        spec('tags: {plan: "${env:}"}\n'),
        [
            "specs/x.yaml:8:15: error: malformed interpolation '${env:}' (write ${env:NAME} or ${env:NAME:-default}; $$ is a literal $)"
        ],
    ),
    "version_2": (
        {
            "onesync.yaml": "version: 2\nsources:\n  warehouse: {dialect: postgres, url: x}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        },
        ["onesync.yaml:1:10: error: version must be 1"],
    ),
    "project_missing_destination": (
        {"onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgres, url: x}\n"},
        ["onesync.yaml:1:1: error: missing required key 'destination' (add 'destination: ...')"],
    ),
    "unknown_dialect": (
        {
            "onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgress, url: x}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        },
        ["onesync.yaml:3:24: error: unknown SQL dialect 'postgress' (did you mean 'postgres'?)"],
    ),
    "source_no_url": (
        {
            "onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgres}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        },
        [
            "onesync.yaml:3:14: error: source 'warehouse' needs a url or a path (add url: ${env:DATABASE_URL})"
        ],
    ),
    "postgres_with_path": (
        {
            "onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgres, path: x.db}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        },
        [
            "onesync.yaml:3:40: error: a postgres source connects by url, not path (write url: ... instead of path:)"
        ],
    ),
    "bad_timezone": (
        {
            "onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgres, url: x, timezone: Europe/Pari}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        },
        [
            "onesync.yaml:3:52: error: unknown time zone 'Europe/Pari' (did you mean 'Europe/Paris'?)"
        ],
    ),
    "bad_rate_limit": (
        {
            "onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgres, url: x}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k, rate_limit: fast}\n"
        },
        [
            "onesync.yaml:4:85: error: rate_limit 'fast' is not a rate (write N/s or N/min, e.g. 1000/s)"
        ],
    ),
    "max_aliases_over_20": (
        {
            "onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgres, url: x}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k, max_aliases: 30}\n"
        },
        ["onesync.yaml:4:86: error: destination.max_aliases must be at most 20, not 30"],
    ),
    "destructive_share": (
        {
            "onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgres, url: x}\ndestination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\nstate: {max_destructive_share: 1.5}\n"
        },
        ["onesync.yaml:5:32: error: state.max_destructive_share must be at most 1, not 1.5"],
    ),
    "project_typo": (
        {
            "onesync.yaml": "version: 1\nsources:\n  warehouse: {dialect: postgres, url: x}\ndestinaton: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        },
        [
            "onesync.yaml:1:1: error: missing required key 'destination' (add 'destination: ...')",
            "onesync.yaml:4:1: error: unknown key 'destinaton' (did you mean 'destination'?)",
        ],
    ),
    "specs_dir_missing": (
        {"onesync.yaml": PROJECT.replace("specs: specs/", "specs: spec/")},
        [
            "onesync.yaml:12:8: error: specs folder 'spec/' does not exist (create it, or fix the path; it is relative to the project)"
        ],
    ),
    "table_model_missing_column": (
        {
            P: HEAD
            + "model: {table: shop.orders}\n"
            + IDN.replace("id}", "customer_id}")
            + "event: {name: purchase, key: order_idd}\n"
        },
        [
            "specs/x.yaml:5:30: error: event.key: column 'order_idd' is not in the model's output (did you mean 'order_id'?)"
        ],
    ),
    "star_model_missing_column": (
        spec(
            "",
            model="model: {sql: select * from crm.customers}\n",
            identity="identity: {external_id: idd}\n",
        ),
        [
            "specs/x.yaml:4:25: error: identity.external_id: column 'idd' is not in the model's output (did you mean 'id'?)"
        ],
    ),
    # issue 12: a user's whole life mirrored exactly
    "on_leave_typo": (
        spec("mode: mirror\non_leave: delete\n"),
        [
            "specs/x.yaml:9:11: error: on_leave: 'delete' is not allowed (did you mean 'delete_user'?)"
        ],
    ),
    "on_leave_on_event": (
        spec("event: {name: signup, key: id}\non_leave: clear\n"),
        [
            "specs/x.yaml:9:1: error: on_leave applies to profile syncs; an event is sent once per key and never undone (remove on_leave from this sync)"
        ],
    ),
    "on_leave_on_message": (
        spec(MSG + "}\non_leave: delete_user\n"),
        [
            "specs/x.yaml:9:1: error: on_leave applies to profile syncs; a message is sent once per key and never undone (remove on_leave from this sync)"
        ],
    ),
    "legacy_api_subscriptions": (
        {"onesync.yaml": LEGACY, **spec("tags: {plan: plan}\nsubscriptions:\n  email: email\n")},
        [
            "specs/x.yaml:9:1: error: email/SMS subscriptions need destination.api: current; the legacy player model's tag call, PUT /apps/{app_id}/users/{external_user_id}, carries tags only (remove subscriptions:, or set destination.api: current in the project file)"
        ],
    ),
    "legacy_api_aliases": (
        {
            "onesync.yaml": LEGACY,
            **spec("", identity="identity:\n  external_id: id\n  aliases: {crm_id: sf_id}\n"),
        },
        [
            "specs/x.yaml:9:3: error: aliases need destination.api: current; the legacy player model's tag call, PUT /apps/{app_id}/users/{external_user_id}, carries tags only (remove identity.aliases:, or set destination.api: current in the project file)"
        ],
    ),
    "legacy_api_both": (
        {
            "onesync.yaml": LEGACY,
            **spec(
                "subscriptions: {sms: plan}\n",
                identity="identity:\n  external_id: id\n  aliases: {crm_id: sf_id}\n",
            ),
        },
        [
            "specs/x.yaml:9:3: error: aliases need destination.api: current; the legacy player model's tag call, PUT /apps/{app_id}/users/{external_user_id}, carries tags only (remove identity.aliases:, or set destination.api: current in the project file)",
            "specs/x.yaml:10:1: error: email/SMS subscriptions need destination.api: current; the legacy player model's tag call, PUT /apps/{app_id}/users/{external_user_id}, carries tags only (remove subscriptions:, or set destination.api: current in the project file)",
        ],
    ),
    "send_after_bare_date": (
        spec(MSG + "send_after: 2026-12-31}\n"),
        [
            "specs/x.yaml:8:52: error: send_after '2026-12-31' is a date without a time (add a time and offset, e.g. 2026-12-31T09:00:00Z)"
        ],
    ),
    "send_after_skipped_by_dst": (
        {"onesync.yaml": PARIS, **spec(MSG + "send_after: '2026-03-29T02:30:00'}\n")},
        [
            "specs/x.yaml:8:52: error: send_after '2026-03-29T02:30:00' does not exist in Europe/Paris (the clocks skip it) (pick a time that exists there, or give the offset: 2026-03-29T02:30:00+01:00)"
        ],
    ),
    "send_after_out_of_range": (
        spec(MSG + "send_after: '9999-12-31T23:30:00-05:00'}\n"),
        [
            "specs/x.yaml:8:52: error: send_after '9999-12-31T23:30:00-05:00' is out of range in UTC (write a time like 2026-12-31T09:00:00Z)"
        ],
    ),
    "max_sends_zero": (
        spec(MSG + "max_sends: 0}\n"),
        [
            "specs/x.yaml:8:51: error: message.max_sends must be at least 1, not 0 (a number of recipients per apply; leave it out for no limit)"
        ],
    ),
    "max_sends_quoted": (
        spec(MSG + 'max_sends: "500"}\n'),
        [
            "specs/x.yaml:8:51: error: message.max_sends must be an integer, not a string (write the number without quotes)"
        ],
    ),
    "max_tags_zero": (
        {"onesync.yaml": project("  max_tags: 0\n")},
        [
            "onesync.yaml:11:13: error: destination.max_tags must be at least 1, not 0 (tags per user; OneSignal's cap depends on the plan, 100 is safe)"
        ],
    ),
    "max_subscriptions_over_20": (
        {"onesync.yaml": project("  max_subscriptions: 25\n")},
        [
            "onesync.yaml:11:22: error: destination.max_subscriptions must be at most 20, not 25 (subscriptions per user; OneSignal allows at most 20)"
        ],
    ),
    "property_type_unix_time": (
        spec(
            "event:\n  name: e\n  key: id\n  properties: {t: {column: created_at, type: unix_time}}\n"
        ),
        [
            "specs/x.yaml:11:46: error: event.properties.t.type: 'unix_time' is not allowed (string, number or boolean; unix_time and date are for tags)"
        ],
    ),
    "property_type_typo": (
        spec("event:\n  name: e\n  key: id\n  properties: {n: {column: id, type: nubmer}}\n"),
        [
            "specs/x.yaml:11:38: error: event.properties.n.type: 'nubmer' is not allowed (did you mean 'number'?)"
        ],
    ),
    "typed_property_missing_column": (
        spec("event:\n  name: e\n  key: id\n  properties: {n: {column: plna, type: number}}\n"),
        [
            "specs/x.yaml:11:28: error: event.properties.n.column: column 'plna' is not in the model's output (did you mean 'plan'?)"
        ],
    ),
    "typed_custom_data_missing_column": (
        spec(
            "message:\n  key: id\n  contents: {en: hi}\n  custom_data: {ok: {column: okk, type: boolean}}\n"
        ),
        [
            "specs/x.yaml:11:30: error: message.custom_data.ok.column: column 'okk' is not in the model's output (the model has: id, sf_id, email, first_name, plan, created_at)"
        ],
    ),
    "event_name_too_long": (
        spec("event: {name: " + "e" * 129 + ", key: id}\n"),
        [
            "specs/x.yaml:8:15: error: event.name is longer than 128 characters (shorten it to 128 or fewer)"
        ],
    ),
    "source_bad_offset": (
        {"onesync.yaml": project(warehouse="    timezone: '+25:00'\n")},
        [
            "onesync.yaml:6:15: error: unknown time zone '+25:00' (use an IANA name like Europe/Paris, or an offset like +01:00)"
        ],
    ),
    # issue 13: what plan would fail on, caught by validate
    "template_id_not_uuid": (
        spec("message: {key: id, template_id: welcome}\n"),
        [
            "specs/x.yaml:8:33: error: template_id 'welcome' is not a OneSignal template id (a UUID) (copy it from the template's page in OneSignal, e.g. be4a8044-bbd6-11e4-a581-000c2940e62c)"
        ],
    ),
    "cron_never_fires": (
        spec('schedule: "0 0 30 2 *"\n'),
        [
            "specs/x.yaml:8:11: error: schedule: it never fires: February never has a day 30 (pick a day each of those months has (1-28 fits all), or use the weekday field)"
        ],
    ),
    "api_url_without_scheme": (
        {"onesync.yaml": project("  api_url: api.onesignal.com\n")},
        [
            "onesync.yaml:11:12: error: destination.api_url 'api.onesignal.com' is not an http(s) URL with a host (write https://api.onesignal.com, or http://127.0.0.1:4000 for a local sandbox)"
        ],
    ),
    "api_url_plain_http": (
        {"onesync.yaml": project("  api_url: http://sandbox.example:4000\n")},
        [
            "onesync.yaml:11:12: error: destination.api_url 'http://sandbox.example:4000' would send the API key unencrypted to sandbox.example (use https://; plain http is only for this machine (localhost, 127.0.0.1, ::1))"
        ],
    ),
    "state_url_other_scheme": (
        {"onesync.yaml": PROJECT + "state: {url: 'sqlite:///state.db'}\n"},
        [
            "onesync.yaml:13:14: error: state.url: the scheme 'sqlite://' is not a state store (use a DuckDB file path (.onesync/state.duckdb) or postgresql://user@host/db)"
        ],
    ),
    "max_invalid_share": (
        {"onesync.yaml": PROJECT + "state: {max_invalid_share: -0.5}\n"},
        [
            "onesync.yaml:13:28: error: state.max_invalid_share must be at least 0, not -0.5 (a share of the model's rows, from 0 to 1)"
        ],
    ),
    "model_file_outside": (
        {P: HEAD + "model: {file: ../models/x.sql}\n" + IDN},
        [
            "specs/x.yaml:3:15: error: model file '../models/x.sql' is outside the project (move the file into the project, or run with --allow-outside)"
        ],
    ),
    "unknown_keys_each": (
        spec("colour: red\nsize: 3\n"),
        [
            "specs/x.yaml:8:1: error: unknown key 'colour' (known keys: sync, source, model, identity, link, subscriptions, tags, mode, on_leave, schedule, after, event, message, tests)",
            "specs/x.yaml:9:1: error: unknown key 'size' (known keys: sync, source, model, identity, link, subscriptions, tags, mode, on_leave, schedule, after, event, message, tests)",
        ],
    ),
    "schema_and_semantic_errors_together": (
        spec("tags:\n  plan: plna\n  n: {column: id, type: numbr}\nmode: upsrt\n"),
        [
            "specs/x.yaml:9:9: error: tags.plan: column 'plna' is not in the model's output (did you mean 'plan'?)",
            "specs/x.yaml:10:25: error: tags.n.type: 'numbr' is not allowed (did you mean 'number'?)",
            "specs/x.yaml:11:7: error: mode: 'upsrt' is not allowed (did you mean 'upsert'?)",
        ],
    ),
}


def catalog(source: Source, table_or_sql: str) -> list[str] | None:
    """A stand-in for the database catalogue: the columns of a table or of a select *."""
    return {"shop.orders": ["order_id", "customer_id", "total"]}.get(table_or_sql, ["id", "email"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_spec(name: str, problems: Callable[..., list[str]]) -> None:
    files, expected = CASES[name]
    assert problems(files, catalog=catalog) == expected


def test_catalogue_is_large() -> None:
    assert len(CASES) >= 40
