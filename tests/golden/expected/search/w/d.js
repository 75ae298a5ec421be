(self.siteSearchData=self.siteSearchData||{})["w/d"]={"terms":"d decis depth diffus distil distribut diverg"};
