from erpconsole.cli import main

raise SystemExit(main())
