"""The bottom layer: what every app may use and that knows no app.

Errors (`errors`), money (`money`), numbers typed and shown (`numbers`, `number_fields`,
`formats`), dates (`dates`), the label registry (`labels`), the step machinery and its
journal (`steps`), uploads (`uploads`), PDF building blocks (`pdf`) and the API's shared
pieces (`api`, `api_input`). Nothing here imports an app of the project; models of the
apps are named by string (`apps.get_model`) where a helper needs one.
"""
