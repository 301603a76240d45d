from bench.command_centre.run import main

main()
