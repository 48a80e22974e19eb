"""The participant register: the people placed through the programme, apart from the cases.

A case knows a person only by a pseudonymous reference. The person's own data is kept on a
`Participant`, encrypted with a key of that person's own; erasing the person deletes the
key, after which nothing stored anywhere can be read back into their name.
"""
