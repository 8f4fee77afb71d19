"""Development and test drivers of the kiosk, outside the product package.

`python -m devtools.play SCRIPT [kiosk options]` runs the kiosk with a player of scripted
candidates: the headless demo (`make run`), the UI tests (tests/e2e) and the benchmarks drive
it this way. Nothing in `kiosk/` imports this package.

- `touch`: simulated fingers through Kivy's real input path;
- `player`: runs a script (waits, taps, signatures, cards, screenshots);
- `layout`: what a person notices first on a new panel size (buttons too small, text spilling);
- `scripts`: the scripted candidates, by name;
- `play`: the command line.
"""
