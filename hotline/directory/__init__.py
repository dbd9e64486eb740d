"""The department catalogue (承办单位): city bureaus, district governments, street offices, enterprises."""
