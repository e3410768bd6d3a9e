"""Ready alert texts for the situations a municipality meets: a communicator in a hurry
picks one, adjusts the details and sends. Danish first, with English, Ukrainian and
Polish for staff who read little Danish (the languages of the demo's workplaces)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Preset:
    label: object  # a lazy string: the preset's name in the console's language
    severity: str
    title: str
    body: str
    variants: dict[str, dict[str, str]] = field(default_factory=dict)
    expires_hours: int = 4


PRESETS: dict[str, Preset] = {
    "evacuation": Preset(
        _l("Evacuation"),
        "critical",
        "Forlad bygningen nu",
        "Gå roligt til nærmeste udgang og videre til samlingspladsen. Brug ikke elevatoren. "
        "Følg personalets anvisninger.",
        {
            "en": {
                "title": "Leave the building now",
                "body": "Walk calmly to the nearest exit and on to the assembly point. Do not "
                "use the lift. Follow the staff's instructions.",
            },
            "uk": {
                "title": "Негайно залиште будівлю",
                "body": "Спокійно йдіть до найближчого виходу й до місця збору. Не "
                "користуйтеся ліфтом. Виконуйте вказівки персоналу.",
            },
            "pl": {
                "title": "Natychmiast opuść budynek",
                "body": "Spokojnie przejdź do najbliższego wyjścia i na miejsce zbiórki. Nie "
                "korzystaj z windy. Postępuj zgodnie z poleceniami personelu.",
            },
        },
        expires_hours=2,
    ),
    "weather": Preset(
        _l("Closed due to weather"),
        "warning",
        "Lukket på grund af vejret",
        "På grund af uvejr holder vi lukket i dag. Følg med på gladsaxe.dk for nyt om, "
        "hvornår vi åbner igen.",
        {
            "en": {
                "title": "Closed due to the weather",
                "body": "Because of severe weather we are closed today. See gladsaxe.dk for "
                "news on when we open again.",
            },
            "uk": {
                "title": "Зачинено через погоду",
                "body": "Через негоду сьогодні ми зачинені. Новини про відкриття — на gladsaxe.dk.",
            },
            "pl": {
                "title": "Zamknięte z powodu pogody",
                "body": "Z powodu złej pogody dziś jest zamknięte. Informacje o otwarciu na "
                "gladsaxe.dk.",
            },
        },
        expires_hours=12,
    ),
    "it_outage": Preset(
        _l("IT outage"),
        "warning",
        "IT-systemerne er nede",
        "Vi arbejder på at løse fejlen. Brug papirblanketterne indtil videre, og ring til "
        "IT-support på 39 57 50 00 ved akutte behov.",
        {
            "en": {
                "title": "The IT systems are down",
                "body": "We are working on the fault. Use the paper forms for now, and call "
                "IT support on 39 57 50 00 if it is urgent.",
            },
            "uk": {
                "title": "ІТ-системи не працюють",
                "body": "Ми усуваємо несправність. Поки що користуйтеся паперовими бланками; "
                "у термінових випадках телефонуйте 39 57 50 00.",
            },
            "pl": {
                "title": "Systemy IT nie działają",
                "body": "Pracujemy nad usunięciem awarii. Na razie używaj formularzy "
                "papierowych, a w pilnych sprawach dzwoń pod 39 57 50 00.",
            },
        },
    ),
    "water": Preset(
        _l("Water supply"),
        "warning",
        "Kog vandet før brug",
        "Der er fundet bakterier i drikkevandet. Kog vandet i mindst 1 minut, før du drikker "
        "det eller bruger det til mad.",
        {
            "en": {
                "title": "Boil the water before use",
                "body": "Bacteria have been found in the drinking water. Boil the water for at "
                "least 1 minute before drinking it or using it for food.",
            },
            "uk": {
                "title": "Кип'ятіть воду перед використанням",
                "body": "У питній воді виявлено бактерії. Кип'ятіть воду щонайменше 1 хвилину "
                "перед тим, як пити чи готувати їжу.",
            },
            "pl": {
                "title": "Przegotuj wodę przed użyciem",
                "body": "W wodzie pitnej wykryto bakterie. Gotuj wodę co najmniej 1 minutę "
                "przed piciem lub przygotowaniem jedzenia.",
            },
        },
        expires_hours=24,
    ),
}
VARIANT_LANGUAGES = ("en", "uk", "pl")
