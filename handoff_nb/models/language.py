"""Which language a message is written in, and which handoff routes name a language.

Small and dependency-free on purpose: the offline model uses it with or without the semantic
engine (and in Pyodide). A message is scored by the common function words and the letters of
each language; a route names a language when its name, labels or rule lines say "Spanish",
"español", "French", "français", ...
"""

from __future__ import annotations

import re

LANGUAGES: dict[str, dict[str, str]] = {
    "en": {"names": "english inglés ingles anglais englisch inglese inglês",
           "words": "the and is are you your i my me it this that what where when how can could "
                    "would with for of to in on at have has was do does don't i'm it's please "
                    "thanks hi hello there something some we our lost"},
    "es": {"names": "spanish español espanol castellano espagnol spanisch spagnolo espanhol",
           "words": "el la los las un una es está estoy son que qué de del y en por para con "
                    "mi mis me puedes puede ayudarme hola gracias dónde donde cómo como quiero "
                    "necesito no sí muy más cuándo cuál tengo hay su al lo le gustaría saber"},
    "fr": {"names": "french français francais francés frances französisch francese francês",
           "words": "le la les un une est et je tu vous il elle nous de des du en pour avec "
                    "mon ma mes pas que qui où bonjour merci pouvez-vous pouvez aider est-ce "
                    "c'est suis voudrais très sur dans au aux ce cette j'ai beaucoup votre"},
    "de": {"names": "german deutsch alemán aleman allemand tedesco alemão",
           "words": "der die das und ist ich du sie wir ein eine nicht mit für auf zu den dem "
                    "mein meine wie wo was hallo danke bitte können kann haben ist es bin"},
    "it": {"names": "italian italiano italien italienisch",
           "words": "il lo la gli le un una è e di che per con non mi sono ciao grazie "
                    "posso puoi aiutarmi dove come vorrei della del questo"},
    "pt": {"names": "portuguese português portugues portugais portugiesisch portoghese",
           "words": "o a os as um uma é e de do da que não em para com meu minha você obrigado "
                    "olá onde como quero preciso está estou isso"},
    "nl": {"names": "dutch nederlands néerlandais neerlandes holländisch olandese",
           "words": "de het een en is ik je jij u wij niet met voor op te van mijn hoe waar wat "
                    "hallo dank bedankt kunt kan heb ben"},
}
LETTERS = {"es": "ñ¿¡áíóú", "fr": "çœèêàâîûëù", "de": "äöüß", "pt": "ãõç", "it": "òàì"}

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_NAMES = {lang: set(spec["names"].split()) for lang, spec in LANGUAGES.items()}
_WORDS = {lang: set(spec["words"].split()) for lang, spec in LANGUAGES.items()}


def _tokens(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text or "")]


def detect(text: str) -> tuple[str | None, dict[str, float]]:
    """(best language code or None when unsure, score per language)."""
    tokens = _tokens(text)
    scores: dict[str, float] = {}
    for lang, vocab in _WORDS.items():
        s = float(sum(1 for t in tokens if t in vocab))
        s += 0.5 * sum(1 for ch in (text or "").lower() if ch in LETTERS.get(lang, ""))
        scores[lang] = s
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < 1 or top - second < 1:
        return None, scores
    return best, scores


def named_language(text: str) -> str | None:
    """The language a piece of route text names ("spanish_agent" -> "es"), if exactly one."""
    tokens = set(_tokens((text or "").replace("_", " ")))
    found = [lang for lang, names in _NAMES.items() if tokens & names]
    return found[0] if len(found) == 1 else None
