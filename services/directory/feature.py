"""The directory plugs into the dialogue (ask_facility, province buttons) and into scenarios (`directory:`)."""

from __future__ import annotations

from pathlib import Path

from services.context import FeatureContext
from services.directory import service
from services.directory.dialogue import INTENT, PROVINCE_PREFIX, DirectoryDialogue

SAMPLE_CSV = Path(__file__).with_name("sample_providers.csv")


def install(ctx: FeatureContext) -> None:
    dialogue = DirectoryDialogue(ctx.router, ctx.knowledge, ctx.settings.nlu_confidence_threshold)
    ctx.router.register_flow(dialogue)
    ctx.router.register_intent(INTENT, dialogue.on_ask_facility)
    ctx.router.register_intent("ask_methadone", dialogue.on_ask_methadone)
    ctx.router.register_payload(PROVINCE_PREFIX, dialogue.on_province_button)

    def load_for_scenario(value: object) -> None:
        """`directory: sample` (the shipped sample CSV) or `directory: path/to/file.csv`."""
        path = SAMPLE_CSV if value == "sample" else Path(str(value))
        if not path.is_file():
            raise ValueError(f"no CSV file at {path}")
        with ctx.uow_factory() as uow:
            service.import_csv(uow, path.read_bytes(), replace=True, now=ctx.clock.now())
            uow.commit()

    ctx.extensions["scenario.setup.directory"] = load_for_scenario
