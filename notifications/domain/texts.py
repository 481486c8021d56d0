"""Message texts in Indonesian and English: short, with named parameters, the link carrying
the detail.

Kept as data in the shape WhatsApp Business templates are registered in (one text per
language, named placeholders), so a template can be submitted from exactly these words. The
alert's own message comes worded from the web's Babel catalogue (`udara.i18n`); these are
the few frame words around it, which no page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

Text = tuple[str, str]  # (subject, body)

TEXTS: Final[dict[str, dict[str, Text]]] = {
    "id": {
        "alert_opened.critical": ("KRITIS: {what} di {place}", "{message}\nSejak {since}.\n{link}"),
        "alert_opened.warning": (
            "PERINGATAN: {what} di {place}",
            "{message}\nBerlangsung sejak {since}.\n{link}",
        ),
        "alert_escalated": (
            "ESKALASI L{level}: {what} di {place} belum dikonfirmasi",
            "{message}\nTerbuka sejak {since}, belum ada yang mengonfirmasi.\n{link}",
        ),
        "alert_resolved": ("PULIH: {what} di {place}", "Kembali normal pada {at}.\n{link}"),
        "work_order_assigned": (
            "WO #{id} untuk Anda: {title}",
            "{place}, prioritas {priority}, tenggat {due}.\n{link}",
        ),
        "work_order_escalated": (
            "ESKALASI WO #{id} ({reason}): {title}",
            "{place}, regu {crew}, tenggat {due}.\n{link}",
        ),
        "work_order_done": (
            "WO #{id} selesai: {title}",
            "Diselesaikan oleh {actor} pada {at}.\n{link}",
        ),
        "work_order_not_fixed": (
            "WO #{id} belum tuntas menurut sensor: {title}",
            "Setelah pekerjaan selesai, sensor di {place} masih menunjukkan masalah ({reason}), "
            "dicek pada {at}. Kembalikan pekerjaan atau verifikasi.\n{link}",
        ),
        "test": ("Pesan uji", "Pesan uji untuk {user}: saluran ini berfungsi.\n{link}"),
        "request_update.in_work_order": (
            "Laporan {ref} sedang dikerjakan",
            "Laporan Anda ({what}, {place}) sedang dikerjakan oleh tim gedung.\n"
            "Lihat statusnya: {link}",
        ),
        "request_update.done": (
            "Laporan {ref} selesai ditangani",
            "Laporan Anda ({what}, {place}) sudah selesai ditangani.{note}\n"
            "Lihat statusnya: {link}",
        ),
        "request_update.rejected": (
            "Laporan {ref} ditutup",
            "Laporan Anda ({what}, {place}) ditutup tanpa pekerjaan.{note}\n"
            "Lihat statusnya: {link}",
        ),
        "request_update.note": ("", "\nCatatan tim: {note}"),
        "request_update.reason": ("", "\nAlasan: {reason}"),
        "digest": (
            "Ringkasan harian {place}, {day}",
            "Peringatan terbuka: {open_alerts} ({critical} kritis).\n"
            "Pekerjaan terlambat: {overdue}; dieskalasi: {escalated}.\n"
            "Peringatan baru kemarin: {yesterday_alerts}.\n"
            "Pesan gagal terkirim (24 jam): {failed}.\n{link}",
        ),
        "folded": ("{n} pemberitahuan", "{n} pemberitahuan:"),
        "ack": ("", "Konfirmasi dengan satu ketukan: {link}"),
        "ack_page.ask": ("Konfirmasi peringatan", "Konfirmasi peringatan ini sebagai {user}?"),
        "ack_page.button": ("", "Konfirmasi"),
        "ack_page.done": ("Dikonfirmasi", "Peringatan dikonfirmasi oleh {user} pada {at}."),
        "ack_page.tampered": ("Tautan tidak sah", "Tautan ini tidak sah. Tidak ada yang diubah."),
        "ack_page.expired": (
            "Tautan kedaluwarsa",
            "Tautan ini sudah kedaluwarsa (berlaku 24 jam). Tidak ada yang diubah.",
        ),
        "ack_page.used": (
            "Tautan sudah dipakai",
            "Tautan ini sudah dipakai. Tidak ada yang diubah.",
        ),
        "ack_page.gone": (
            "Tidak ditemukan",
            "Peringatan ini tidak ditemukan. Tidak ada yang diubah.",
        ),
        "ack_page.resolved": (
            "Sudah pulih",
            "Peringatan ini sudah pulih; tidak ada yang perlu dikonfirmasi.",
        ),
    },
    "en": {
        "alert_opened.critical": (
            "CRITICAL: {what} in {place}",
            "{message}\nSince {since}.\n{link}",
        ),
        "alert_opened.warning": (
            "WARNING: {what} in {place}",
            "{message}\nLasting since {since}.\n{link}",
        ),
        "alert_escalated": (
            "ESCALATION L{level}: {what} in {place} not acknowledged",
            "{message}\nOpen since {since}, nobody has acknowledged it.\n{link}",
        ),
        "alert_resolved": ("RESOLVED: {what} in {place}", "Back to normal at {at}.\n{link}"),
        "work_order_assigned": (
            "Work order #{id} for you: {title}",
            "{place}, priority {priority}, due {due}.\n{link}",
        ),
        "work_order_escalated": (
            "ESCALATION work order #{id} ({reason}): {title}",
            "{place}, crew {crew}, due {due}.\n{link}",
        ),
        "work_order_done": ("Work order #{id} done: {title}", "Done by {actor} at {at}.\n{link}"),
        "work_order_not_fixed": (
            "Work order #{id} not fixed, say the sensors: {title}",
            "After the work was done the sensors in {place} still show the problem ({reason}), "
            "checked at {at}. Send the work back or verify it.\n{link}",
        ),
        "test": ("Test message", "A test message for {user}: this channel works.\n{link}"),
        "request_update.in_work_order": (
            "Your report {ref} is being worked on",
            "Your report ({what}, {place}) is being worked on by the building team.\n"
            "See its status: {link}",
        ),
        "request_update.done": (
            "Your report {ref} is done",
            "Your report ({what}, {place}) has been dealt with.{note}\nSee its status: {link}",
        ),
        "request_update.rejected": (
            "Your report {ref} was closed",
            "Your report ({what}, {place}) was closed without work.{note}\nSee its status: {link}",
        ),
        "request_update.note": ("", "\nThe team wrote: {note}"),
        "request_update.reason": ("", "\nReason: {reason}"),
        "digest": (
            "Daily digest {place}, {day}",
            "Open alerts: {open_alerts} ({critical} critical).\n"
            "Overdue work: {overdue}; escalated: {escalated}.\n"
            "New alerts yesterday: {yesterday_alerts}.\n"
            "Messages not delivered (24 h): {failed}.\n{link}",
        ),
        "folded": ("{n} notifications", "{n} notifications:"),
        "ack": ("", "Acknowledge with one tap: {link}"),
        "ack_page.ask": ("Acknowledge alert", "Acknowledge this alert as {user}?"),
        "ack_page.button": ("", "Acknowledge"),
        "ack_page.done": ("Acknowledged", "Alert acknowledged by {user} at {at}."),
        "ack_page.tampered": ("Invalid link", "This link is not valid. Nothing was changed."),
        "ack_page.expired": (
            "Link expired",
            "This link has expired (it lasts 24 hours). Nothing was changed.",
        ),
        "ack_page.used": ("Link already used", "This link was used before. Nothing was changed."),
        "ack_page.gone": ("Not found", "This alert was not found. Nothing was changed."),
        "ack_page.resolved": (
            "Already resolved",
            "This alert is resolved; nothing to acknowledge.",
        ),
    },
}
WORDS: Final[dict[str, dict[str, str]]] = {
    "id": {
        "overdue": "terlambat",
        "no response": "belum direspons",
        "offline": "Sensor luring",
        "faulty": "Sensor tidak wajar",
        "urgent": "mendesak",
        "high": "tinggi",
        "medium": "sedang",
        "low": "rendah",
        "none": "-",
        # Why sensor verification found work not fixed.
        "reading_outside": "nilai rata-rata masih di luar batas",
        "new_alert": "peringatan baru terbuka",
        # Occupants' report categories (the public form's words, shorter).
        "dirty": "kotor",
        "smell": "bau tidak sedap",
        "too_hot": "terlalu panas",
        "too_cold": "terlalu dingin",
        "stuffy": "udara pengap",
        "leak": "bocor atau air",
        "trash_full": "tempat sampah penuh",
        "supplies_empty": "perlengkapan habis",
        "symptoms": "keluhan kesehatan",
        "other": "lainnya",
    },
    "en": {
        "none": "-",
        "reading_outside": "the mean is still outside the limit",
        "new_alert": "a new alert opened",
        "dirty": "dirty",
        "smell": "bad smell",
        "too_hot": "too hot",
        "too_cold": "too cold",
        "stuffy": "stuffy air",
        "leak": "leak or water",
        "trash_full": "trash bin full",
        "supplies_empty": "supplies empty",
        "symptoms": "feeling unwell",
        "other": "something else",
    },
}
PREFIX: Final = "[Udara] "
DEFAULT_LANG: Final = "id"
SUBJECT_MAX: Final = 200


def supported(lang: str | None) -> str:
    """`lang` when there are texts in it, else Indonesian."""
    return lang if lang is not None and lang in TEXTS else DEFAULT_LANG


def word(lang: str, key: str) -> str:
    """A single word in `lang` (the key itself when it needs no translation)."""
    return WORDS[supported(lang)].get(key, key)


@dataclass(frozen=True)
class Rendered:
    """A message's subject (one line) and plain-text body."""

    subject: str
    body: str


def render(lang: str, key: str, **params: object) -> Rendered:
    """The text `key` in `lang` (unknown: Indonesian) with `params` filled in."""
    subject, body = TEXTS[supported(lang)][key]
    line = (PREFIX + subject.format(**params)).replace("\n", " ")
    return Rendered(line[:SUBJECT_MAX], body.format(**params).strip())


def fold(lang: str, items: list[Rendered]) -> Rendered:
    """One message for several: a count as subject, each item's subject and body listed."""
    if len(items) == 1:
        return items[0]
    head = render(lang, "folded", n=len(items))
    parts = [head.body]
    for item in items:
        parts.append(f"\n• {item.subject.removeprefix(PREFIX)}\n{item.body}")
    return Rendered(head.subject, "\n".join(parts))
