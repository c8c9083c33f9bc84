#!/usr/bin/env python3
"""Writes examples/data/sandcastle.txt: the lecture's long-range test as a corpus.

Each line: NAME went to the PLACE . (k filler clauses) PRONOUN built a OBJECT .
The OBJECT is fixed by the PLACE (beach: sandcastle, snow: snowman, kitchen: cake, garage: robot), and the
words just before it ("she built a") are the same for every place, so only a model that remembers the place
across the k filler clauses (5 words each, k = 0..6 drawn uniformly) can predict it. Deterministic (seed 2026).
"""
import random

rng = random.Random(2026)
places = {"beach": "sandcastle", "snow": "snowman", "kitchen": "cake", "garage": "robot"}
people = [("alice", "she"), ("bob", "he"), ("carol", "she"), ("dave", "he")]
subjects = ["sun", "sky", "wind", "day", "air", "light"]
adjectives = ["warm", "blue", "soft", "long", "cold", "bright", "calm"]
lines = []
for _ in range(1200):
    name, pronoun = rng.choice(people)
    place = rng.choice(sorted(places))
    fillers = [f"the {rng.choice(subjects)} was {rng.choice(adjectives)} ." for _ in range(rng.randint(0, 6))]
    lines.append(" ".join([f"{name} went to the {place} ."] + fillers + [f"{pronoun} built a {places[place]} ."]))
with open("examples/data/sandcastle.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
