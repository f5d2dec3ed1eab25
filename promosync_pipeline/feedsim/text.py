"""Word material for generated product text, per language (our own, not any supplier's)."""

from __future__ import annotations

import random

WORDS = {
    "de": [
        "robuste",
        "praktische",
        "Tasche",
        "aus",
        "recyceltem",
        "Material",
        "mit",
        "Reißverschluss",
        "und",
        "Innenfach",
        "ideal",
        "für",
        "Werbung",
        "Messe",
        "Büro",
        "Reise",
        "leicht",
        "langlebig",
        "waschbar",
        "bedruckbar",
        "nachhaltig",
    ],
    "en": [
        "sturdy",
        "practical",
        "bag",
        "made",
        "of",
        "recycled",
        "material",
        "with",
        "zipper",
        "and",
        "inner",
        "pocket",
        "ideal",
        "for",
        "promotion",
        "fair",
        "office",
        "travel",
        "light",
        "durable",
        "washable",
        "printable",
        "sustainable",
    ],
    "fr": [
        "sac",
        "robuste",
        "et",
        "pratique",
        "en",
        "matière",
        "recyclée",
        "avec",
        "fermeture",
        "éclair",
        "et",
        "poche",
        "intérieure",
        "idéal",
        "pour",
        "promotion",
        "salon",
        "bureau",
        "voyage",
        "léger",
        "durable",
        "lavable",
    ],
    "nl": [
        "stevige",
        "praktische",
        "tas",
        "van",
        "gerecycled",
        "materiaal",
        "met",
        "rits",
        "en",
        "binnenvak",
        "ideaal",
        "voor",
        "promotie",
        "beurs",
        "kantoor",
        "reizen",
        "licht",
        "duurzaam",
        "wasbaar",
        "bedrukbaar",
    ],
    "es": [
        "bolsa",
        "resistente",
        "y",
        "práctica",
        "de",
        "material",
        "reciclado",
        "con",
        "cremallera",
        "y",
        "bolsillo",
        "interior",
        "ideal",
        "para",
        "promoción",
        "feria",
        "oficina",
        "viaje",
        "ligera",
        "duradera",
    ],
    "it": [
        "borsa",
        "robusta",
        "e",
        "pratica",
        "in",
        "materiale",
        "riciclato",
        "con",
        "cerniera",
        "e",
        "tasca",
        "interna",
        "ideale",
        "per",
        "promozione",
        "fiera",
        "ufficio",
        "viaggio",
        "leggera",
        "resistente",
        "lavabile",
    ],
    "da": [
        "robust",
        "praktisk",
        "taske",
        "af",
        "genbrugsmateriale",
        "med",
        "lynlås",
        "og",
        "inderlomme",
        "ideel",
        "til",
        "reklame",
        "messe",
        "kontor",
        "rejse",
        "let",
        "holdbar",
        "vaskbar",
        "bæredygtig",
    ],
}
PRODUCT_NOUNS = {
    "de": ["Tasche", "Rucksack", "Kugelschreiber", "T-Shirt", "Becher", "Schirm"],
    "en": ["Tote", "Backpack", "Ballpen", "T-shirt", "Mug", "Umbrella"],
    "fr": ["Sac", "Sac à dos", "Stylo", "T-shirt", "Mug", "Parapluie"],
    "nl": ["Tas", "Rugzak", "Balpen", "T-shirt", "Mok", "Paraplu"],
    "es": ["Bolsa", "Mochila", "Bolígrafo", "Camiseta", "Taza", "Paraguas"],
    "it": ["Borsa", "Zaino", "Penna", "Maglietta", "Tazza", "Ombrello"],
    "da": ["Taske", "Rygsæk", "Kuglepen", "T-shirt", "Krus", "Paraply"],
}
MATERIALS = {
    "de": "Baumwolle", "en": "cotton", "fr": "coton", "nl": "katoen",
    "es": "algodón", "it": "cotone", "da": "bomuld",
}  # fmt: skip
COLORS = [
    ("Black", "#111111", {"de": "schwarz", "en": "black", "fr": "noir", "nl": "zwart"}),
    ("Blue", "#1F3A93", {"de": "blau", "en": "blue", "fr": "bleu", "nl": "blauw"}),
    ("Red", "#C0392B", {"de": "rot", "en": "red", "fr": "rouge", "nl": "rood"}),
    ("Green", "#27AE60", {"de": "grün", "en": "green", "fr": "vert", "nl": "groen"}),
    ("White", "#FAFAFA", {"de": "weiß", "en": "white", "fr": "blanc", "nl": "wit"}),
    ("Grey", None, {"de": "grau", "en": "grey", "fr": "gris", "nl": "grijs"}),
    ("Yellow", "#F1C40F", {"de": "gelb", "en": "yellow", "fr": "jaune", "nl": "geel"}),
    ("Navy", None, {"de": "marine", "en": "navy", "fr": "marine", "nl": "marine"}),
]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
BRANDS = ["Acme Promo", "Northwind Goods", "Blue Harbor", "Everyday Basics", None]


def sentence(rng: random.Random, lang: str, words: int) -> str:
    text = " ".join(rng.choices(WORDS.get(lang, WORDS["en"]), k=words))
    return text[:1].upper() + text[1:] + "."


def paragraph(rng: random.Random, lang: str, sentences: int) -> str:
    return " ".join(sentence(rng, lang, rng.randint(8, 16)) for _ in range(sentences))


def color_label(labels: dict[str, str], lang: str, pms: str) -> str:
    return f"{labels.get(lang, labels['en'])} (± PMS {pms})"


# -- decoration and logistics ----------------------------------------------------------------
TECHNIQUES = [
    ("SCREEN", "Screen", {"de": "Siebdruck", "en": "Screen print", "fr": "Sérigraphie",
     "nl": "Zeefdruk", "es": "Serigrafía", "it": "Serigrafia", "da": "Serigrafi"}),
    ("PAD", "Pad", {"de": "Tampondruck", "en": "Pad print", "fr": "Tampographie",
     "nl": "Tampondruk", "es": "Tampografía", "it": "Tampografia", "da": "Tampontryk"}),
    ("EMBROIDERY", "Embroidery", {"de": "Stickerei", "en": "Embroidery", "fr": "Broderie",
     "nl": "Borduren", "es": "Bordado", "it": "Ricamo", "da": "Broderi"}),
    ("LASER", "Laser", {"de": "Lasergravur", "en": "Laser engraving", "fr": "Gravure laser",
     "nl": "Lasergravure", "es": "Grabado láser", "it": "Incisione laser",
     "da": "Lasergravering"}),
    ("DIGITAL", "Digital", {"de": "Digitaldruck", "en": "Digital print",
     "fr": "Impression numérique", "nl": "Digitale druk", "es": "Impresión digital",
     "it": "Stampa digitale", "da": "Digitaltryk"}),
    ("TRANSFER", "Transfer", {"de": "Transferdruck", "en": "Transfer print", "fr": "Transfert",
     "nl": "Transferdruk", "es": "Transfer", "it": "Transfer", "da": "Transfertryk"}),
]  # fmt: skip
"""(SKU part, supplier's print code, name per language) of each print technique."""
COLOR_COUNT = {
    "de": "{n}-farbig", "en": "{n} colour", "fr": "{n} couleur(s)", "nl": "{n} kleur(en)",
    "es": "{n} color(es)", "it": "{n} colore/i", "da": "{n} farve(r)",
}  # fmt: skip
FULL_COLOR = {
    "de": "vollfarbig", "en": "full colour", "fr": "quadrichromie", "nl": "full colour",
    "es": "a todo color", "it": "quadricromia", "da": "fuld farve",
}  # fmt: skip
PLACES = [
    {"de": "Vorderseite", "en": "front", "fr": "avant", "nl": "voorkant", "es": "frontal",
     "it": "fronte", "da": "forside"},
    {"de": "Rückseite", "en": "back", "fr": "arrière", "nl": "achterkant", "es": "trasera",
     "it": "retro", "da": "bagside"},
    {"de": "Seite", "en": "side", "fr": "côté", "nl": "zijkant", "es": "lateral",
     "it": "lato", "da": "side"},
    {"de": "Deckel", "en": "lid", "fr": "couvercle", "nl": "deksel", "es": "tapa",
     "it": "coperchio", "da": "låg"},
    {"de": "Griff", "en": "handle", "fr": "poignée", "nl": "handvat", "es": "asa",
     "it": "manico", "da": "håndtag"},
]  # fmt: skip
CHARGES = [
    ("S", "Unique", {"de": "Einrichtungskosten", "en": "Setup costs", "fr": "Frais de calage",
     "nl": "Opstartkosten", "es": "Gastos de preparación", "it": "Costi di avviamento",
     "da": "Opstartsomkostninger"}),
    ("F", "PerColor", {"de": "Filmkosten", "en": "Film costs", "fr": "Frais de film",
     "nl": "Filmkosten", "es": "Fotolito", "it": "Pellicola", "da": "Filmomkostninger"}),
    ("H", "PerPosition", {"de": "Handlingkosten", "en": "Handling costs",
     "fr": "Frais de manutention", "nl": "Handlingskosten", "es": "Manipulación",
     "it": "Movimentazione", "da": "Håndtering"}),
]  # fmt: skip
"""(SKU suffix, CalculationType, name per language) of each kind of one-time cost."""
LABELS = {
    "Material": {"de": "Material", "en": "Material", "fr": "Matériel", "nl": "Materiaal",
                 "es": "Material", "it": "Materiale", "da": "Materiale"},
    "Compliance": {"de": "Beachtung", "en": "Compliance", "fr": "Conformité",
                   "nl": "Naleving", "es": "Conformidad", "it": "Conformità",
                   "da": "Overholdelse"},
    "PackagingInformation": {"de": "Verpackung", "en": "Packaging", "fr": "Emballage",
                             "nl": "Verpakking", "es": "Embalaje", "it": "Imballaggio",
                             "da": "Emballage"},
}  # fmt: skip
"""The localised caption of each labelled web-shop fact."""
COMPLIANCE = {
    "de": ["frei von PVC", "REACH-konform", "lebensmittelecht", "ohne Phthalate"],
    "en": ["free of PVC", "REACH compliant", "food safe", "free of phthalates"],
    "fr": ["sans PVC", "conforme REACH", "contact alimentaire", "sans phtalates"],
    "nl": ["vrij van PVC", "REACH-conform", "voedselveilig", "zonder ftalaten"],
    "es": ["sin PVC", "conforme a REACH", "apto para alimentos", "sin ftalatos"],
    "it": ["senza PVC", "conforme REACH", "per alimenti", "senza ftalati"],
    "da": ["fri for PVC", "REACH-overholdende", "fødevaregodkendt", "uden ftalater"],
}
PACKAGING = {
    "de": ["lose", "Polybeutel", "Geschenkbox"], "en": ["bulk", "polybag", "gift box"],
    "fr": ["vrac", "sachet", "boîte cadeau"], "nl": ["los", "polybag", "geschenkdoos"],
    "es": ["a granel", "bolsa", "caja regalo"], "it": ["sfuso", "busta", "scatola regalo"],
    "da": ["løs", "pose", "gaveæske"],
}  # fmt: skip
COUNTRIES = [("CHN", "CN"), ("DEU", "DE"), ("POL", "PL"), ("IND", "IN"), ("VNM", "VN"),
             ("TUR", "TR"), ("PRT", "PT")]  # fmt: skip
FILTERS = [
    ("Eco", ["True", "False"]),
    ("GenderType", ["Male", "Female", "Unisex"]),
    ("GiftWrappingPossible", ["True", "False"]),
    ("Waterproof", ["True", "False"]),
]
CERTIFICATES = ["OEKO-TEX", "GOTS", "FSC", "BSCI", "GRS"]


def join_words(rng: random.Random, lang: str, words: int) -> str:
    """A few words without a capital or a full stop (for names and free values)."""
    return " ".join(rng.choices(WORDS.get(lang, WORDS["en"]), k=words))


CONFIGURATION_NAMES = {
    "Color": {"de": "Farbe", "en": "Colour", "fr": "Couleur", "nl": "Kleur", "es": "Color",
              "it": "Colore", "da": "Farve"},
    "Size": {"de": "Größe", "en": "Size", "fr": "Taille", "nl": "Maat", "es": "Talla",
             "it": "Taglia", "da": "Størrelse"},
}  # fmt: skip
"""``ConfigurationNameTranslated`` of the colour and size configuration fields."""
