"""Words for the offline model: stop words, a light stemmer, and concept groups.

A concept group puts paraphrases under one tag so that "app crashes" meets "bugs, errors" and
"buy 50 licenses" meets "purchases". Matching a concept counts a little less than matching the
word itself. The groups are handoff_nb's own, written for customer-service routing (the seeds'
domain); anything outside them is matched by stems only.
"""

from __future__ import annotations

import re
from functools import lru_cache

STOP = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she should
so some such than that the their theirs them themselves then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you your
yours yourself yourselves hi hello hey please thanks thank get got im ive id dont cant wont also
one agent agents handoff handle handles handling request requests transfer route routes routing
customer customers question questions inquiry inquiries issue issues use when user want wants need
needs help let us like know tell ask any every time times way thing things stuff
""".split())

_SUFFIXES = ("ations", "ation", "ments", "ment", "ingly", "ings", "ing", "edly", "ies", "ied",
             "ers", "er", "ed", "es", "ly", "s")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stemmer (cached: a long message repeats its words)."""
    w = word.lower()
    if len(w) <= 3 or not w.isalpha():
        return w
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            if suf in ("ations", "ation"):
                w += "at"
            if suf in ("ies", "ied"):
                w += "y"
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":  # "stopp" -> "stop"
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


_WORD = re.compile(r"[A-Za-z][A-Za-z']*|\d+(?:[.,]\d+)*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words(text: str) -> list[str]:
    """Lower-case words, CamelCase and snake_case split, apostrophes dropped."""
    text = _CAMEL.sub(" ", text or "").replace("_", " ")
    return [w.replace("'", "").lower() for w in _WORD.findall(text)]


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOP and len(w) > 1]


def unique_content_stems(text: str) -> list[str]:
    """The distinct content stems of ``text`` in first-seen order (linear in the text; each
    distinct word is stemmed once; the last few texts are remembered)."""
    return list(_unique_stems(text))


@lru_cache(maxsize=512)
def unique_words(text: str) -> tuple[str, ...]:
    """The distinct words of ``text`` as :func:`words` gives them, in first-seen order; a long
    text costs one regex pass and work per *distinct* token only."""
    out: dict[str, None] = {}
    for token in dict.fromkeys(_TOKEN.findall((text or "").replace("_", " "))):
        for w in words(token):
            out.setdefault(w, None)
    return tuple(out)


_TOKEN = re.compile(r"[A-Za-z0-9'.,]+")


@lru_cache(maxsize=512)
def _unique_stems(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for w in unique_words(text):
        if w not in STOP and len(w) > 1:
            seen.setdefault(stem(w), None)
    return tuple(seen)


# concept tag -> words (raw; stemmed below). Tags are also used to fill "type"/"category" fields.
CONCEPTS: dict[str, str] = {
    "charge": "charge charged charges billed bill bills billing payment payments paid pay paying "
              "debit debited transaction card credit overcharged double twice duplicate",
    "refund": "refund refunds refunded reimburse reimbursement money back chargeback return cancel",
    "invoice": "invoice invoices receipt receipts statement vat tax",
    "dispute": "dispute disputes disputed wrong incorrect unauthorized fraud",
    "plan_change": "upgrade downgrade change switch subscription subscriptions renew renewal cancel",
    "bug": "technical tech bug bugs broken break breaks crash crashes crashed error errors fail fails failed failing "
           "failure 500 404 exception glitch freeze freezes frozen hang hangs blank stuck "
           "doesnt isnt working work",
    "howto": "technical tech how configure configuration setup set install settings setting enable disable docs "
             "guide tutorial integrate integration api export import feature features",
    "product": "product app application website site page button click feature dashboard login "
               "password account sync upload download export",
    "pricing": "sales price prices pricing cost costs quote quotes expensive cheap discount seat seats "
               "license licenses per budget rate rates",
    "purchase": "buy buying purchase purchases order licenses seats enterprise team teams company "
                "evaluating evaluate evaluation considering upgrade onboard",
    "demo": "demo demos trial trials walkthrough presentation evaluate evaluating sales",
    "plan": "plan plans package packages tier tiers edition enterprise pro premium",
    "escalate": "escalate escalation escalated manager supervisor senior complaint complain unhelpful "
                "useless rude unresolved frustrated frustrating angry unacceptable terrible "
                "again still nobody lawyer worst ignored",
    "greeting": "hello hi hey morning afternoon thanks",
}

CONCEPT_OF: dict[str, set[str]] = {}
for _tag, _words in CONCEPTS.items():
    for _w in _words.split():
        CONCEPT_OF.setdefault(stem(_w), set()).add(_tag)

URGENT = {stem(w) for w in "urgent urgently asap immediately critical emergency now down outage "
                           "production blocking blocked cannot twice angry unacceptable".split()}
NEGATIVE = {stem(w) for w in "unhelpful angry frustrated frustrating terrible awful bad broken "
                             "wrong twice unacceptable useless rude disappointed annoyed worst "
                             "ignored still again cannot fail".split()}
POSITIVE = {stem(w) for w in "thanks thank great love happy excellent awesome good glad "
                             "appreciate".split()}
