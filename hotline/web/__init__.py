"""Pages for the people who work tickets outside calls: login, centre desk (中心工作台), liaison portal (联络员门户).

Plain HTML and JavaScript modules served by the app, no build step; the agent console shares `static/`.
"""
