import click
demo_command = click.Command("demo")
