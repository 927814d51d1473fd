from bot.runtime.cli import main

main()
