from cnninspect.cli import main

main()
