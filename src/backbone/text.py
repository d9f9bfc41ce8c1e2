# SPDX-License-Identifier: Apache-2.0
"""Transcripts as the backbone work reads them: numbers spoken as words, and word error
rates against a reference.
"""
import re

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n):
    """0-9999 in words; longer numbers digit by digit."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    if n < 10000:
        return number_words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + number_words(n % 1000))
    return " ".join(_ONES[int(d)] for d in str(n))


def spoken_text(text):
    """Lower case, numbers as words, every other symbol a space, spaces collapsed."""
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", text.lower())
    text = re.sub(r"[^a-z' ]+", " ", text)
    return re.sub(r" +", " ", text).strip()


def edit_distance(a, b):
    """Levenshtein distance between two sequences (words or characters)."""
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[len(b)]


def word_error_rate(refs, hyps):
    """Word errors over reference words, summed over the pairs of texts."""
    errors = sum(edit_distance(r.split(), h.split()) for r, h in zip(refs, hyps))
    return errors / max(sum(len(r.split()) for r in refs), 1)
