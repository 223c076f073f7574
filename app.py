from eventsys import create_app

app = create_app()
