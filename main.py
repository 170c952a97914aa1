"""TrainDesk: with no arguments, open the window; with a command, run it headless (see --help)."""
import sys


def main() -> int:
    if len(sys.argv) > 1:
        from core.cli.dispatch import main as cli_main
        return cli_main(sys.argv[1:])
    from gui.app import main as gui_main
    return gui_main()


if __name__ == "__main__":
    sys.exit(main())
